"""Whatever happens on the job, the books agree: random sequences of feeds, edits, cancellations,
payments, credits, refunds and sends on each package's sandbox, with reconcile after every send
showing no difference; and a difference made in the package by hand is always reported.

The bookkeeper's part is played as a person would: a sent invoice the package keeps as sent is credited
and issued again. Examples are few (each builds a sandbox business and a store), so a CI run stays within
a minute or two per package; the sequences are where the variety is.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerlink.domain.ledger import build_ledger
from ledgerlink.domain.records import (
    Allocation,
    CreditNote,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    Record,
    RecordKind,
    Supplier,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
    is_cancelled,
)
from ledgerlink.packages.drafts import DocumentDraft, DocumentType, LineDraft
from ledgerlink.services.feeding.records import cancel_record
from ledgerlink.services.sending.controls import credit_and_reissue
from ledgerlink.services.sending.reconcile import reconcile
from tests.support.sent_books import SentBooks, sent_books

CUSTOMERS = ("C1", "C2")
SUPPLIERS = ("S1",)
START = date(2026, 3, 2)
PERCENT = {"S": Decimal(20), "R": Decimal(5), "Z": Decimal(0)}


@dataclass(frozen=True)
class Op:
    """One thing that happens: `what`, on the `which`-th of its kind, with an amount in pennies."""

    what: str
    which: int = 0
    pennies: int = 0


ops = st.one_of(
    st.builds(Op, st.just("invoice"), st.integers(0, 1), st.integers(1_00, 900_00)),
    st.builds(Op, st.just("bill"), st.integers(0, 0), st.integers(1_00, 500_00)),
    st.builds(Op, st.just("edit"), st.integers(0, 5), st.integers(1_00, 300_00)),
    st.builds(Op, st.just("pay"), st.integers(0, 5), st.integers(1, 100)),
    st.builds(Op, st.just("pay bill"), st.integers(0, 5), st.integers(1, 100)),
    st.builds(Op, st.just("credit"), st.integers(0, 5), st.integers(1, 100)),
    st.builds(Op, st.just("credit and refund"), st.integers(0, 1), st.integers(1_00, 100_00)),
    st.builds(Op, st.just("supplier credit and refund"), st.integers(0, 0), st.integers(1_00, 100_00)),
    st.builds(Op, st.just("cancel"), st.integers(0, 5)),
    st.just(Op("send")),
)


class Jobs:
    """The job system's side of one run: what it has fed, and what it would feed next."""

    def __init__(self, books: SentBooks) -> None:
        self.books = books
        self.records: dict[tuple[RecordKind, str], Record] = {}
        self.day = START
        self.count = 0

    def next_id(self, prefix: str) -> str:
        self.count += 1
        self.day += timedelta(days=1)
        return f"{prefix}{self.count}"

    def feed(self, *records: Record) -> None:
        self.books.feed(*records)
        for record in records:
            self.records[(record.kind, record.source_id)] = record

    def of(self, kind: RecordKind) -> list[Record]:
        return [r for (k, _), r in sorted(self.records.items()) if k is kind and not is_cancelled(r)]

    def outstanding(self, kind: RecordKind, source_id: str) -> Decimal:
        return build_ledger(self.records.values(), PERCENT).outstanding(kind, source_id)

    def referenced(self, source_id: str) -> bool:
        """Whether any credit or payment names this document (then it is not cancelled, as in life)."""
        for record in self.records.values():
            if isinstance(record, CreditNote) and record.invoice_id == source_id:
                return True
            if isinstance(record, CustomerPayment | SupplierPayment) and any(
                a.document_id == source_id for a in record.allocations
            ):
                return True
        return False


def line(pennies: int, nominal: str) -> tuple[DocumentLine, ...]:
    return (
        DocumentLine(
            description="Work done",
            unit_price=Decimal(pennies).scaleb(-2),
            vat_rate="S",
            nominal_code=nominal,
        ),
    )


def apply(jobs: Jobs, op: Op) -> None:
    """Feed what `op` stands for, when the books as they are allow it (a random op may not apply)."""
    invoices = jobs.of(RecordKind.INVOICE)
    bills = jobs.of(RecordKind.SUPPLIER_INVOICE)
    if op.what == "invoice":
        source_id = jobs.next_id("J")
        customer = CUSTOMERS[op.which]
        jobs.feed(
            Invoice(
                source_id=source_id,
                number=f"INV-{source_id}",
                customer_id=customer,
                date=jobs.day,
                lines=line(op.pennies, "4000"),
            )
        )
    elif op.what == "bill":
        source_id = jobs.next_id("B")
        jobs.feed(
            SupplierInvoice(
                source_id=source_id,
                number=f"BILL-{source_id}",
                supplier_id=SUPPLIERS[0],
                date=jobs.day,
                lines=line(op.pennies, "5000"),
            )
        )
    elif op.what == "edit" and invoices:
        old = invoices[op.which % len(invoices)]
        assert isinstance(old, Invoice)
        grown = old.lines[0].unit_price + Decimal(op.pennies).scaleb(-2)  # a job that cost more than invoiced
        jobs.feed(old.model_copy(update={"lines": line(int(grown * 100), "4000")}))
    elif op.what in ("pay", "credit") and invoices:
        invoice = invoices[op.which % len(invoices)]
        assert isinstance(invoice, Invoice)
        due = jobs.outstanding(RecordKind.INVOICE, invoice.source_id)
        amount = (due * op.pennies / 100).quantize(Decimal("0.01"))
        if amount <= 0:
            return
        if op.what == "pay":
            source_id = jobs.next_id("P")
            jobs.feed(
                CustomerPayment(
                    source_id=source_id,
                    customer_id=invoice.customer_id,
                    date=jobs.day,
                    amount=amount,
                    method="card",
                    allocations=(Allocation(document_id=invoice.source_id, amount=amount),),
                )
            )
        else:
            net = (amount / Decimal("1.2")).quantize(Decimal("0.01"))
            if net <= 0:
                return
            source_id = jobs.next_id("CN")
            jobs.feed(
                CreditNote(
                    source_id=source_id,
                    number=f"CN-{source_id}",
                    customer_id=invoice.customer_id,
                    date=jobs.day,
                    lines=line(int(net * 100), "4000"),
                    invoice_id=invoice.source_id,
                )
            )
    elif op.what == "pay bill" and bills:
        bill = bills[op.which % len(bills)]
        assert isinstance(bill, SupplierInvoice)
        due = jobs.outstanding(RecordKind.SUPPLIER_INVOICE, bill.source_id)
        amount = (due * op.pennies / 100).quantize(Decimal("0.01"))
        if amount > 0:
            source_id = jobs.next_id("SP")
            jobs.feed(
                SupplierPayment(
                    source_id=source_id,
                    supplier_id=bill.supplier_id,
                    date=jobs.day,
                    amount=amount,
                    method="card",
                    allocations=(Allocation(document_id=bill.source_id, amount=amount),),
                )
            )
    elif op.what == "credit and refund":  # a goodwill credit, paid back in cash
        credit_id, refund_id = jobs.next_id("CN"), jobs.next_id("R")
        credit = CreditNote(
            source_id=credit_id,
            number=f"CN-{credit_id}",
            customer_id=CUSTOMERS[op.which],
            date=jobs.day,
            lines=line(op.pennies, "4000"),
        )
        gross = credit.computed_totals(PERCENT).gross
        refund = CustomerPayment(
            source_id=refund_id,
            customer_id=credit.customer_id,
            date=jobs.day,
            amount=gross,
            method="card",
            is_refund=True,
            allocations=(Allocation(document_id=credit_id, amount=gross),),
        )
        jobs.feed(credit, refund)
    elif op.what == "supplier credit and refund":
        credit_id, refund_id = jobs.next_id("SC"), jobs.next_id("SR")
        supplier_credit = SupplierCreditNote(
            source_id=credit_id,
            number=f"SCN-{credit_id}",
            supplier_id=SUPPLIERS[0],
            date=jobs.day,
            lines=line(op.pennies, "5000"),
        )
        gross = supplier_credit.computed_totals(PERCENT).gross
        refund = SupplierPayment(
            source_id=refund_id,
            supplier_id=SUPPLIERS[0],
            date=jobs.day,
            amount=gross,
            method="card",
            is_refund=True,
            allocations=(Allocation(document_id=credit_id, amount=gross),),
        )
        jobs.feed(supplier_credit, refund)
    elif op.what == "cancel" and invoices:
        invoice = invoices[op.which % len(invoices)]
        if not jobs.referenced(invoice.source_id):
            cancel_record(
                jobs.books.store, jobs.books.company_id, RecordKind.INVOICE, invoice.source_id, on=jobs.day
            )
            jobs.records[(RecordKind.INVOICE, invoice.source_id)] = invoice.model_copy(
                update={"cancelled_on": jobs.day}
            )


async def send_and_settle(books: SentBooks) -> None:
    """A send, then what a bookkeeper does with what the package kept as sent: credit and re-issue."""
    await books.send()
    for _ in range(2):
        with books.store.unit_of_work() as uow:
            noted = [
                entry
                for entry in uow.outbox(books.connection).changed_after_sending()
                if entry.changed_after_sending not in ("", "pending")
                and not entry.changed_after_sending.startswith("reissue")
            ]
        if not noted:
            return
        for entry in noted:
            credit_and_reissue(books.store, books.company_id, entry.source_id, kind=entry.kind)
        await books.send()


async def a_bill_typed_by_hand(books: SentBooks, pennies: int) -> Decimal:
    """An invoice entered in the package, never in the job system: the difference reconcile must find."""
    with books.store.unit_of_work() as uow:
        contact = uow.links(books.connection.id).package_ids(RecordKind.CUSTOMER)["C1"]
        mapped = uow.mappings(books.connection.id).as_dict()
    account = next(a for a in await books.connector.ledger_accounts() if a.id == mapped[("nominal", "4000")])
    rate_id = mapped[("vat_sales", "S")]
    net = Decimal(pennies).scaleb(-2)
    vat = (net * Decimal("0.2")).quantize(Decimal("0.01"))
    draft = DocumentDraft(
        key=f"by-hand-{pennies}",
        source_id="by-hand",
        document_type=DocumentType.SALES_INVOICE,
        contact_id=contact,
        number=f"HAND-{pennies}",
        date=START + timedelta(days=200),
        lines=(
            LineDraft("Typed in the package", Decimal(1), net, net, vat, account.id, account.code, rate_id),
        ),
        net=net,
        vat=vat,
        gross=net + vat,
    )
    await books.connector.create([draft])
    return net + vat


async def run(package: str, sequence: list[Op], by_hand: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ledgerlink-agree-") as folder:
        async with sent_books(package, Path(folder)) as books:
            jobs = Jobs(books)
            jobs.feed(
                Customer(source_id="C1", first_name="Ada", last_name="Lovelace"),
                Customer(source_id="C2", customer_type="commercial", company_name="Wright Joinery Ltd"),
                Supplier(source_id="S1", name="City Plumbing Supplies"),
            )
            for op in [*sequence, Op("send")]:
                if op.what != "send":
                    apply(jobs, op)
                    continue
                await send_and_settle(books)
                report = await reconcile(books.store, books.connection, books.connector)
                assert report.clean, (op, report.differences)
            added = await a_bill_typed_by_hand(books, by_hand)
            report = await reconcile(books.store, books.connection, books.connector)
            [difference] = report.differences
            assert (difference.kind, difference.source_id) == (RecordKind.CUSTOMER, "C1")
            assert difference.difference == added


@pytest.mark.parametrize("package", ["sage", "xero"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=st.lists(ops, min_size=3, max_size=14), by_hand=st.integers(1, 50_000))
def test_the_books_agree_after_every_send_and_a_change_in_the_package_is_reported(
    package: str, sequence: list[Op], by_hand: int
) -> None:
    asyncio.run(run(package, sequence, by_hand))
