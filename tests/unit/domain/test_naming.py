"""Records are named by kind, number, party, amount and date, as a bookkeeper names them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.domain.naming import record_short, record_title
from ledgerlink.domain.records import Allocation, Customer, CustomerPayment, DocumentLine, Invoice, Supplier

INVOICE = Invoice(
    source_id="J-10015",
    number="INV-10015",
    customer_id="cus-00008",
    date=date(2026, 2, 3),
    lines=(
        DocumentLine(description="Service", unit_price=Decimal("100.00"), vat_rate="S", nominal_code="4000"),
    ),
)


def test_an_invoice_reads_kind_number_party_amount_and_date() -> None:
    title = record_title(INVOICE, party="Mrs J Smith", gross=Decimal("120.00"))

    assert title == "Invoice INV-10015 · Mrs J Smith · £120.00 · 03/02/2026"


def test_a_payment_reads_by_its_reference_and_amount_and_a_refund_says_so() -> None:
    paid = CustomerPayment(
        source_id="spay-000023",
        customer_id="cus-00008",
        date=date(2026, 2, 10),
        amount=Decimal("1204.5"),
        method="card",
        reference="BACS 1182",
        allocations=(Allocation(document_id="J-10015", amount=Decimal("1204.5")),),
    )
    refund = paid.model_copy(update={"is_refund": True, "reference": ""})

    assert (
        record_title(paid, party="Mrs J Smith")
        == "Customer payment BACS 1182 · Mrs J Smith · £1,204.50 · 10/02/2026"
    )
    assert record_title(refund, party="Mrs J Smith") == "Refund · Mrs J Smith · £1,204.50 · 10/02/2026"


def test_parties_read_by_their_names_never_their_ids() -> None:
    person = Customer(source_id="cus-00008", title="Mrs", first_name="J", last_name="Smith")
    firm = Supplier(source_id="sup-007", name="City Plumbing Supplies")

    assert record_title(person) == "Customer Mrs J Smith"
    assert record_title(firm) == "Supplier City Plumbing Supplies"
    assert record_short(INVOICE, party="Mrs J Smith") == "invoice INV-10015 · Mrs J Smith"
