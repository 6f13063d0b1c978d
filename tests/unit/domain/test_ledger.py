"""The jobs side's balances: exact, whatever order and whatever allocations the records carry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings

from ledgerlink.domain.ledger import build_ledger
from ledgerlink.domain.records import (
    Allocation,
    CreditNote,
    CustomerPayment,
    DocumentLine,
    Invoice,
    Record,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
)
from tests.support.ledger_books import CUSTOMERS, DAY, PERCENT, books, gross, sales_line


@settings(max_examples=100)
@given(records=books())
def test_each_balance_is_invoices_less_credits_less_receipts_plus_refunds(records: list[Record]) -> None:
    ledger = build_ledger(records, PERCENT)
    for customer in CUSTOMERS:
        mine = [r for r in records if getattr(r, "customer_id", None) == customer]
        expected = (
            sum((gross(r) for r in mine if isinstance(r, Invoice)), Decimal(0))
            - sum((gross(r) for r in mine if isinstance(r, CreditNote)), Decimal(0))
            - sum((r.amount for r in mine if isinstance(r, CustomerPayment) and not r.is_refund), Decimal(0))
            + sum((r.amount for r in mine if isinstance(r, CustomerPayment) and r.is_refund), Decimal(0))
        )
        assert ledger.balance(RecordKind.CUSTOMER, customer) == expected


@settings(max_examples=100)
@given(records=books())
def test_nothing_is_ever_settled_beyond_what_was_outstanding(records: list[Record]) -> None:
    ledger = build_ledger(records, PERCENT)
    for record in records:
        if isinstance(record, Invoice | CreditNote):
            open_amount = ledger.outstanding(record.kind, record.source_id)
            assert Decimal(0) <= open_amount <= gross(record)


@given(records=books())
def test_the_order_records_arrive_in_does_not_change_the_figures(records: list[Record]) -> None:
    forwards = build_ledger(records, PERCENT)
    backwards = build_ledger(list(reversed(records)), PERCENT)
    assert forwards.balances == backwards.balances
    assert forwards.open_items == backwards.open_items


def test_a_credit_note_is_set_against_its_invoice_and_the_rest_stays_as_credit() -> None:
    invoice = Invoice(
        source_id="I1", number="1", date=DAY, customer_id="C1", lines=(sales_line(Decimal(100)),)
    )
    credit = CreditNote(
        source_id="CN1",
        number="1",
        date=DAY,
        customer_id="C1",
        invoice_id="I1",
        lines=(sales_line(Decimal(150)),),
    )
    ledger = build_ledger([credit, invoice], PERCENT)
    assert ledger.outstanding(RecordKind.INVOICE, "I1") == Decimal("0.00")
    assert ledger.outstanding(RecordKind.CREDIT_NOTE, "CN1") == Decimal("60.00")
    assert ledger.balance(RecordKind.CUSTOMER, "C1") == Decimal("-60.00")


def test_part_payment_and_payment_on_account() -> None:
    invoice = Invoice(
        source_id="I1", number="1", date=DAY, customer_id="C1", lines=(sales_line(Decimal(100)),)
    )
    part = CustomerPayment(
        source_id="P1",
        date=DAY,
        amount=Decimal("70.00"),
        method="card",
        customer_id="C1",
        allocations=(Allocation(document_id="I1", amount=Decimal("50.00")),),
    )
    ledger = build_ledger([invoice, part], PERCENT)
    assert ledger.outstanding(RecordKind.INVOICE, "I1") == Decimal("70.00")
    assert ledger.balance(RecordKind.CUSTOMER, "C1") == Decimal("50.00")
    assert ledger.on_account[(RecordKind.CUSTOMER, "C1")] == Decimal("20.00")


def test_supplier_balances_are_what_the_business_owes() -> None:
    bill = SupplierInvoice(
        source_id="B1",
        number="TP/1",
        date=DAY,
        supplier_id="S1",
        lines=(DocumentLine(description="pipe", unit_price=Decimal(10), vat_rate="S", nominal_code="5000"),),
    )
    paid = SupplierPayment(
        source_id="SP1",
        date=DAY,
        amount=Decimal("12.00"),
        method="bacs",
        supplier_id="S1",
        allocations=(Allocation(document_id="B1", amount=Decimal("12.00")),),
    )
    ledger = build_ledger([paid, bill], PERCENT)
    assert ledger.balance(RecordKind.SUPPLIER, "S1") == Decimal("0.00")
    assert ledger.outstanding(RecordKind.SUPPLIER_INVOICE, "B1") == Decimal("0.00")


def test_a_supplier_refund_uses_up_the_suppliers_credit_and_raises_what_is_owed() -> None:
    line = DocumentLine(description="Pipe", unit_price=Decimal("30.00"), vat_rate="S", nominal_code="5000")
    ledger = build_ledger(
        [
            SupplierInvoice(
                source_id="B1", number="B1", supplier_id="S1", date=date(2026, 1, 1), lines=(line,) * 3
            ),
            SupplierCreditNote(
                source_id="BC1", number="BC1", supplier_id="S1", date=date(2026, 1, 2), lines=(line,)
            ),
            SupplierPayment(
                source_id="SR1",
                supplier_id="S1",
                date=date(2026, 1, 3),
                amount=Decimal("36.00"),
                method="card",
                is_refund=True,
                allocations=(Allocation(document_id="BC1", amount=Decimal("36.00")),),
            ),
        ],
        {"S": Decimal("20")},
    )
    assert ledger.balance(RecordKind.SUPPLIER, "S1") == Decimal("108.00")
    assert ledger.outstanding(RecordKind.SUPPLIER_CREDIT_NOTE, "BC1") == Decimal("0.00")
