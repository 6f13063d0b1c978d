"""A party's ledger read from stored content without the documents' lines is the ledger of its records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings

from ledgerlink.domain.ledger import Ledger, LedgerItem, build_ledger
from ledgerlink.domain.records import (
    Allocation,
    DocumentLine,
    Record,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
)
from ledgerlink.errors import NotReadyToSend
from ledgerlink.store.record_ledger import ledger_item
from tests.support.ledger_books import PERCENT, books

DAY = date(2025, 3, 1)


def stored_gross(record: Record) -> Decimal | None:
    """The gross a feed keeps with a document (None for a payment, which has no lines to add up)."""
    totals = getattr(record, "computed_totals", None)
    return totals(PERCENT).gross if totals else None


def read_back(records: list[Record]) -> Ledger:
    """The ledger made as a send makes it: from each record's stored content and gross."""
    items = [
        ledger_item(record.kind, record.model_dump_json(exclude_none=True), stored_gross(record))
        for record in records
    ]
    ledger = Ledger()
    for item in sorted(items, key=lambda item: item.order):
        ledger.apply_item(item)
    return ledger


def same_figures(read: Ledger, built: Ledger) -> None:
    assert read.balances == built.balances
    assert read.open_items == built.open_items
    assert read.credit_used == built.credit_used
    assert read.payment_used == built.payment_used
    assert read.on_account == built.on_account


@settings(max_examples=100)
@given(records=books())
def test_a_ledger_read_from_stored_content_has_the_figures_of_the_records(records: list[Record]) -> None:
    same_figures(read_back(records), build_ledger(records, PERCENT))


def line(price: str) -> DocumentLine:
    return DocumentLine(description="parts", unit_price=Decimal(price), vat_rate="S", nominal_code="5000")


def test_a_suppliers_bills_credits_refunds_and_a_withdrawn_bill_read_back_as_recorded() -> None:
    records: list[Record] = [
        SupplierInvoice(source_id="B1", number="SUP-1", date=DAY, supplier_id="S1", lines=(line("100.00"),)),
        SupplierInvoice(
            source_id="B2",
            number="SUP-2",
            date=DAY,
            supplier_id="S1",
            lines=(line("40.00"),),
            cancelled_on=DAY,
        ),
        SupplierCreditNote(
            source_id="SC1",
            number="SUP-C1",
            date=DAY,
            supplier_id="S1",
            supplier_invoice_id="B1",
            lines=(line("10.00"),),
        ),
        SupplierCreditNote(
            source_id="SC2", number="SUP-C2", date=DAY, supplier_id="S1", lines=(line("5.00"),)
        ),
        SupplierPayment(
            source_id="SP1",
            date=DAY,
            amount=Decimal("150.00"),
            method="bank",
            supplier_id="S1",
            allocations=(Allocation(document_id="B1", amount=Decimal("108.00")),),
        ),
        SupplierPayment(
            source_id="SP2",
            date=DAY,
            amount=Decimal("6.00"),
            method="bank",
            supplier_id="S1",
            is_refund=True,
            allocations=(Allocation(document_id="SC2", amount=Decimal("6.00")),),
        ),
    ]
    read = read_back(records)
    same_figures(read, build_ledger(records, PERCENT))
    # 120 billed, 12 credited against it and 6 not, 150 paid (108 of it against the bill), 6 refunded;
    # the withdrawn bill counts for nothing
    assert read.balance(RecordKind.SUPPLIER, "S1") == Decimal("-42.00")
    assert read.outstanding(RecordKind.SUPPLIER_INVOICE, "B1") == Decimal("0.00")
    assert read.outstanding(RecordKind.SUPPLIER_INVOICE, "B2") == Decimal(0)
    assert read.on_account[(RecordKind.SUPPLIER, "S1")] == Decimal("42.00")


def test_a_document_stored_without_its_gross_is_refused_rather_than_counted_at_a_guess() -> None:
    bill = SupplierInvoice(
        source_id="B9", number="SUP-9", date=DAY, supplier_id="S1", lines=(line("100.00"),)
    )
    with pytest.raises(NotReadyToSend, match="supplier invoice B9 was stored without its total"):
        ledger_item(bill.kind, bill.model_dump_json(exclude_none=True), None)


def test_a_ledger_item_takes_its_place_in_the_order_records_take_effect() -> None:
    payment = LedgerItem(RecordKind.CUSTOMER_PAYMENT, "P1", (RecordKind.CUSTOMER, "C1"), DAY)
    invoice = LedgerItem(RecordKind.INVOICE, "I1", (RecordKind.CUSTOMER, "C1"), DAY.replace(day=28))
    assert sorted([payment, invoice], key=lambda item: item.order) == [invoice, payment]
