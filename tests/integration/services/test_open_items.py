"""Open items at the cut-off: listed with what is still open, and once settled outside ledgerlink,
what was set against them after the cut-off goes, nothing stays blocked and the reconcile agrees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import (
    Allocation,
    CreditNote,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    Supplier,
    SupplierInvoice,
    SupplierPayment,
)
from ledgerlink.errors import RecordNotFound
from ledgerlink.services.sending.open_items import open_items, settle_outside
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.store import Store
from tests.integration.services.test_nominal_mapping import _send
from tests.support.sandbox_books import PACKAGES, Books, books_for, feed

CUT_OFF = date(2025, 4, 6)


def _line(net: str, nominal: str = "4000") -> tuple[DocumentLine, ...]:
    return (DocumentLine(description="Work", unit_price=Decimal(net), vat_rate="S", nominal_code=nominal),)


MID_YEAR = [
    Customer(source_id="C1", first_name="Jane", last_name="Smith"),
    Supplier(source_id="S1", name="City Plumbing Supplies"),
    # before the cut-off: one unpaid, one half paid before it, one paid in full before it
    Invoice(
        source_id="J-1", number="INV-1001", customer_id="C1", date=date(2025, 2, 3), lines=_line("100.00")
    ),
    Invoice(
        source_id="J-2", number="INV-1002", customer_id="C1", date=date(2025, 3, 3), lines=_line("50.00")
    ),
    Invoice(
        source_id="J-3", number="INV-1003", customer_id="C1", date=date(2025, 3, 9), lines=_line("10.00")
    ),
    CustomerPayment(
        source_id="P-0",
        customer_id="C1",
        date=date(2025, 3, 20),
        amount=Decimal("42.00"),
        method="bacs",
        allocations=(
            Allocation(document_id="J-2", amount=Decimal("30.00")),
            Allocation(document_id="J-3", amount=Decimal("12.00")),
        ),
    ),
    SupplierInvoice(
        source_id="B-1", number="PC/1", supplier_id="S1", date=date(2025, 3, 1), lines=_line("200.00", "5000")
    ),
    # after the cut-off: a new invoice, and money against the old ones
    Invoice(
        source_id="J-4", number="INV-1004", customer_id="C1", date=date(2025, 5, 1), lines=_line("80.00")
    ),
    CustomerPayment(
        source_id="P-1",
        customer_id="C1",
        date=date(2025, 5, 2),
        amount=Decimal("216.00"),
        method="bacs",
        allocations=(
            Allocation(document_id="J-1", amount=Decimal("120.00")),
            Allocation(document_id="J-4", amount=Decimal("96.00")),
        ),
    ),
    CreditNote(
        source_id="CN-1",
        number="CN-1",
        customer_id="C1",
        invoice_id="J-2",
        date=date(2025, 5, 3),
        lines=_line("10.00"),
    ),
    SupplierPayment(
        source_id="SP-1",
        supplier_id="S1",
        date=date(2025, 5, 4),
        amount=Decimal("240.00"),
        method="bacs",
        allocations=(Allocation(document_id="B-1", amount=Decimal("240.00")),),
    ),
]


async def _connected(package: str, store: Store, tmp_path: Path) -> Books:
    """Side by side, where nothing stands for an open item in the package until it is linked."""
    books = books_for(package, store, tmp_path)
    feed(books, MID_YEAR)
    await books.connect(cut_off=CUT_OFF, path="side-by-side")
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    return books


@pytest.mark.parametrize("package", PACKAGES)
async def test_open_items_at_the_cut_off_are_listed_with_what_is_still_open(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _connected(package, sqlite_store, tmp_path)

    listed = {
        item.source_id: (item.title, item.open_amount) for item in open_items(books.store, books.company_id)
    }

    assert listed == {
        "J-1": ("Invoice INV-1001 · Jane Smith · £120.00 · 03/02/2025", Decimal("120.00")),
        "J-2": ("Invoice INV-1002 · Jane Smith · £60.00 · 03/03/2025", Decimal("30.00")),
        "B-1": ("Supplier invoice PC/1 · City Plumbing Supplies · £240.00 · 01/03/2025", Decimal("240.00")),
    }


@pytest.mark.parametrize("package", PACKAGES)
async def test_settled_outside_nothing_is_blocked_and_the_reconcile_agrees(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _connected(package, sqlite_store, tmp_path)
    first = await _send(books)
    blocked_before = first.counts[EntryState.BLOCKED]

    held = settle_outside(books.store, books.company_id, ["J-1", "J-2", "B-1"])
    report = await _send(books)
    connector = books.connectors.connector(books.current())
    try:
        balances = await reconcile(books.store, books.current(), connector)
    finally:
        await connector.aclose()

    assert blocked_before == 4  # P-1, the credit note and its allocation, SP-1: each waits for one not sent
    assert held == 3
    assert report.counts[EntryState.BLOCKED] == report.counts[EntryState.FAILED] == 0
    assert report.counts[EntryState.WAITING] == report.counts[EntryState.UNCERTAIN] == 0
    assert report.sent == {"customer payment": 1, "supplier payment": 1, "credit note": 1}
    assert balances.clean, balances.differences
    assert all(item.settled_outside for item in open_items(books.store, books.company_id))


async def test_only_an_open_item_before_the_cut_off_can_be_settled_outside(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _connected("sage", sqlite_store, tmp_path)

    with pytest.raises(RecordNotFound, match="J-4"):
        settle_outside(books.store, books.company_id, ["J-4"])
