"""An invoice for a customer the job system has not sent yet is kept, says so, waits visibly for that
customer, and goes once the customer arrives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Customer, DocumentLine, Invoice, RecordKind, Supplier, SupplierPayment
from tests.support.sent_books import sent_books

INVOICE = Invoice(
    source_id="J-9",
    number="INV-9",
    customer_id="C-9",
    date=date(2026, 10, 5),
    lines=(
        DocumentLine(
            description="Boiler service", unit_price=Decimal("80.00"), vat_rate="S", nominal_code="4000"
        ),
    ),
)


async def test_an_invoice_for_an_unknown_customer_names_it_waits_for_it_and_goes_once_it_comes(
    tmp_path: Path,
) -> None:
    async with sent_books("sage", tmp_path) as books:
        fed = books.feed(INVOICE)
        first = await books.send()
        waiting = books.entry(RecordKind.INVOICE, "J-9")
        books.feed(Customer(source_id="C-9", first_name="Ada", last_name="Lovelace"))
        second = await books.send()

    [finding] = fed.outcomes[0].findings
    assert (finding.field, finding.severity) == ("customer_id", "warning")
    assert "there is no customer C-9 yet" in finding.message
    assert first.blocked[RecordKind.INVOICE.label] == 1
    assert waiting.state is EntryState.BLOCKED
    assert "waits for customer C-9, which the jobs side does not hold yet" in waiting.blocked_by
    assert second.sent == {"customer": 1, "invoice": 1}


async def test_a_payment_fed_with_its_supplier_in_one_feed_is_not_warned(tmp_path: Path) -> None:
    async with sent_books("sage", tmp_path) as books:
        fed = books.feed(
            SupplierPayment(
                source_id="SP-1",
                supplier_id="S-1",
                date=date(2026, 10, 5),
                amount=Decimal("10.00"),
                method="card",
            ),
            Supplier(source_id="S-1", name="City Plumbing Supplies"),
        )

    assert all(not outcome.findings for outcome in fed.outcomes)
