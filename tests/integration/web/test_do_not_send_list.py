"""The do-not-send list: a record held back from the dashboard is listed, with its amount, and put back
from the list goes with the next send."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.services.access import add_user
from ledgerlink.services.sending.controls import record_status
from ledgerlink.services.sending.engine import Sender
from ledgerlink.store import Store
from ledgerlink.web import create_app
from tests.integration.services.test_notices import BOOKS
from tests.integration.web.conftest import PASSWORD, Browser
from tests.support.sandbox_books import books_for, feed


async def test_a_record_held_back_is_listed_and_put_back_with_one_press(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("sage", sqlite_store, tmp_path, company="Hollis Heating")
    feed(books, BOOKS)
    with sqlite_store.unit_of_work() as uow:
        company = uow.companies.find_by_id(books.company_id)
    assert company is not None
    add_user(sqlite_store, company, email="owner@hollis.example.com", password=PASSWORD, is_admin=True)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    await books.change_account("4000", "archived")  # the invoice fails
    await books.read_lists()
    connector = books.connectors.connector(books.current())
    try:
        await Sender(books.store, connection=books.current(), connector=connector).run()
    finally:
        await connector.aclose()
    entry = record_status(sqlite_store, books.company_id, RecordKind.INVOICE, "J-1").entry
    assert entry is not None

    app = create_app(sqlite_store, books.connectors.settings, books.connectors)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        browser = Browser(client)
        await browser.sign_in("owner@hollis.example.com")
        await browser.get("/dashboard")
        await browser.post("/dashboard/do-not-send", {"entry": str(entry.id)})
        listed = await browser.get("/do-not-send")
        put_back = await browser.post("/do-not-send/undo", {"entry": str(entry.id)})
        after = await browser.get("/do-not-send")

    assert "invoice INV-1001" in listed.text
    assert "£96.00" in listed.text
    assert put_back.status_code == 303
    assert "No record is held back." in after.text
    assert (
        record_status(sqlite_store, books.company_id, RecordKind.INVOICE, "J-1").state is EntryState.WAITING
    )
