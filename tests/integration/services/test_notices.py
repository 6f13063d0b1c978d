"""A send that leaves records it could not send, or a connection that needs signing in again, is told to
the company's administrators by email, through a real SMTP server on loopback: at most one of each kind
a day, each with a link that opens the page that needs them."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from ledgerlink.domain.records import Customer, DocumentLine, Invoice
from ledgerlink.services.access import add_user
from ledgerlink.services.operations.notices import after_send
from ledgerlink.services.sending.engine import Sender
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import create_app
from tests.integration.web.conftest import PASSWORD, Browser
from tests.support.sandbox_books import Books, books_for, feed

BOOKS = [
    Customer(source_id="C1", first_name="Jane", last_name="Smith", email="jane@example.com"),
    Invoice(
        source_id="J-1",
        number="INV-1001",
        date=date(2025, 3, 3),
        customer_id="C1",
        lines=(
            DocumentLine(
                description="Boiler service", unit_price=Decimal("80.00"), vat_rate="S", nominal_code="4000"
            ),
        ),
    ),
]
NOW = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


class Inbox:
    """What the SMTP server on loopback received, message by message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    found = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(found, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield found, port
    finally:
        controller.stop()


async def _failed_send(books: Books) -> None:
    """A send whose invoice the package cannot take: its sales account was archived there since."""
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    await books.change_account("4000", "archived")
    await books.read_lists()
    connector = books.connectors.connector(books.current())
    try:
        await Sender(books.store, connection=books.current(), connector=connector).run()
    finally:
        await connector.aclose()


def _settings(tmp_path: Path, port: int) -> Settings:
    return Settings(
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="ledgerlink@hollis.example.com",
        public_url="http://testserver",
    )


async def test_a_send_with_failures_emails_the_administrators_once_a_day_with_a_working_link(
    sqlite_store: Store, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    books = books_for("sage", sqlite_store, tmp_path, company="Hollis Heating")
    feed(books, BOOKS)
    with sqlite_store.unit_of_work() as uow:
        company = uow.companies.find_by_id(books.company_id)
    assert company is not None
    add_user(sqlite_store, company, email="owner@hollis.example.com", password=PASSWORD, is_admin=True)
    add_user(sqlite_store, company, email="office@hollis.example.com", password=PASSWORD + " two")
    await _failed_send(books)
    settings = _settings(tmp_path, port)

    first = after_send(sqlite_store, settings, books.company_id, now=NOW)
    again = after_send(sqlite_store, settings, books.company_id, now=NOW + timedelta(hours=3))
    next_day = after_send(sqlite_store, settings, books.company_id, now=NOW + timedelta(days=1))

    assert [n.kind for n in first] == ["failures"]
    assert again == []
    assert [n.kind for n in next_day] == ["failures"]
    assert len(received.messages) == 2
    mail = received.messages[0]
    assert mail["To"] == "owner@hollis.example.com"  # administrators only
    assert mail["Subject"] == "Hollis Heating: 1 record could not be sent to Sage Accounting"
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"http://testserver\S+", body)
    assert link is not None
    # the link opens the dashboard, where the record that failed says why
    app = create_app(sqlite_store, settings, books.connectors)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        browser = Browser(client)
        await browser.sign_in("owner@hollis.example.com")
        page = await browser.get(link.group(0))
    assert page.status_code == 200
    assert "INV-1001" in page.text


async def test_a_connection_that_needs_reconnecting_is_told_and_no_server_set_sends_nothing(
    sqlite_store: Store, tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    books = books_for("sage", sqlite_store, tmp_path, company="Hollis Heating")
    with sqlite_store.unit_of_work() as uow:
        company = uow.companies.find_by_id(books.company_id)
    assert company is not None
    add_user(sqlite_store, company, email="owner@hollis.example.com", password=PASSWORD, is_admin=True)
    await books.connect(cut_off=date(2025, 1, 1))
    with sqlite_store.unit_of_work() as uow:
        uow.connections(books.company_id).set_status(
            books.current().id, "needs_reconnect", "the package refused the refresh token"
        )
        uow.commit()

    unset = after_send(sqlite_store, Settings(data_dir=tmp_path), books.company_id, now=NOW)
    told = after_send(sqlite_store, _settings(tmp_path, port), books.company_id, now=NOW)

    assert unset == []
    assert [n.kind for n in told] == ["reconnect"]
    body = received.messages[0].get_payload(decode=True).decode()
    assert "http://testserver/wizard/get-started" in body
    assert "the package refused the refresh token" in body
