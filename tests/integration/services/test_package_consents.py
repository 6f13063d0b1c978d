"""What a package needs made before records can go (QuickBooks sells invoice lines through items) is
asked at the mapping step: nothing is made until the user allows it, the answer is kept on the
connection, and records held back for want of it go once it is given."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import Customer, DocumentLine, Invoice
from ledgerlink.services.onboarding.nominals import MappingRefused
from ledgerlink.services.sending.controls import failures, resend
from ledgerlink.services.sending.engine import Sender, SendReport
from ledgerlink.store import Store
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


async def send(books: Books) -> SendReport:
    connector = books.connectors.connector(books.current())
    try:
        return await Sender(books.store, connection=books.current(), connector=connector).run()
    finally:
        await connector.aclose()


async def mapped(books: Books) -> None:
    feed(books, BOOKS)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)


async def test_the_mapping_step_asks_consent_for_items_and_keeps_the_answer_on_the_connection(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("quickbooks", sqlite_store, tmp_path)
    await mapped(books)

    [asked] = books.nominals().consents()
    assert (asked.consent.name, asked.consent.action, asked.given) == (
        "create_sales_items",
        "Create the items",
        False,
    )
    books.nominals().give_consent("create_sales_items")
    assert books.current().consents == {"create_sales_items"}
    assert books.connectors.connector(books.current()).context.consents == {"create_sales_items"}
    [given] = books.nominals().consents()
    assert given.given

    books.nominals().give_consent("create_sales_items", given=False)
    assert books.current().consents == frozenset()
    with pytest.raises(MappingRefused, match="create_sales_items"):
        books.nominals().give_consent("create_accounts")


async def test_a_package_that_needs_nothing_made_asks_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    books = books_for("sage", sqlite_store, tmp_path)
    await mapped(books)

    assert books.nominals().consents() == []


async def test_an_invoice_held_back_for_want_of_an_item_goes_once_the_user_allows_it(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("quickbooks", sqlite_store, tmp_path)
    await mapped(books)

    await send(books)
    [refused] = failures(books.store, books.company_id)
    books.nominals().give_consent("create_sales_items")
    resend(books.store, books.company_id)
    await send(books)

    assert refused.number == "INV-1001"
    assert "Create the items" in refused.reason
    assert [w for w in books.wire.writes() if w[1].endswith("/item")] != []
    assert failures(books.store, books.company_id) == []
