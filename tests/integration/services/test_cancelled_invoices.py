"""A job cancelled after invoicing: the invoice counts for nothing on the jobs side, is voided in the
package once sent, is never sent when it was not, and where money is set against it in the package the
entry says what to do first; on each sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import (
    Allocation,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    RecordKind,
)
from ledgerlink.services.feeding.records import cancel_record
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.store.connections import LinkRepository
from tests.support.sent_books import SentBooks, sent_books

ADA = Customer(source_id="C-1", first_name="Ada", last_name="Lovelace")
CANCELLED_ON = date(2026, 10, 9)


def invoice(source_id: str, net: str) -> Invoice:
    return Invoice(
        source_id=source_id,
        number=f"INV-{source_id}",
        customer_id="C-1",
        date=date(2026, 10, 5),
        lines=(
            DocumentLine(
                description="Boiler service", unit_price=Decimal(net), vat_rate="S", nominal_code="4000"
            ),
        ),
    )


@pytest.fixture(params=["sage", "xero"])
async def books(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SentBooks]:
    async with sent_books(str(request.param), tmp_path) as made:
        yield made


async def status_in_package(books: SentBooks, source_id: str) -> str:
    with books.store.unit_of_work() as uow:
        found = LinkRepository(uow.session, books.connection.id).package_ids(RecordKind.INVOICE)[source_id]
    if books.package == "xero":
        return str((await books.get(f"/Invoices/{found}"))["Invoices"][0]["Status"])
    return str((await books.get(f"/sales_invoices/{found}"))["status"]["id"])


async def test_a_sent_unpaid_invoice_cancelled_is_voided_in_the_package(books: SentBooks) -> None:
    books.feed(ADA, invoice("J-1", "100.00"), invoice("J-2", "50.00"))
    await books.send()

    cancel_record(books.store, books.company_id, RecordKind.INVOICE, "J-1", on=CANCELLED_ON)
    again = await books.send()
    report = await reconcile(books.store, books.connection, books.connector)

    assert again.updated == 1
    assert await status_in_package(books, "J-1") in ("VOID", "VOIDED")
    assert await status_in_package(books, "J-2") not in ("VOID", "VOIDED")
    assert (
        books.entry(RecordKind.INVOICE, "J-1").reason == "cancelled in the job system: voided in the package"
    )
    assert report.clean, report.differences
    assert report.jobs_total == Decimal("60.00")


async def test_an_invoice_cancelled_before_it_was_sent_is_never_sent(books: SentBooks) -> None:
    books.feed(ADA, invoice("J-1", "100.00"))
    cancel_record(books.store, books.company_id, RecordKind.INVOICE, "J-1", on=CANCELLED_ON)

    sent = await books.send()
    report = await reconcile(books.store, books.connection, books.connector)

    assert books.entry(RecordKind.INVOICE, "J-1").state is EntryState.DO_NOT_SEND
    assert "cancelled" in books.entry(RecordKind.INVOICE, "J-1").reason
    assert not sent.failed
    assert await books.documents() == {"invoices": 0, "credit notes": 0}
    assert report.clean, report.differences


async def test_a_paid_invoice_cancelled_says_to_take_the_payment_off_first(books: SentBooks) -> None:
    books.feed(
        ADA,
        invoice("J-1", "100.00"),
        CustomerPayment(
            source_id="P-1",
            customer_id="C-1",
            date=date(2026, 10, 7),
            amount=Decimal("120.00"),
            method="card",
            allocations=(Allocation(document_id="J-1", amount=Decimal("120.00")),),
        ),
    )
    await books.send()

    cancel_record(books.store, books.company_id, RecordKind.INVOICE, "J-1", on=CANCELLED_ON)
    again = await books.send()
    note = books.entry(RecordKind.INVOICE, "J-1").changed_after_sending
    report = await reconcile(books.store, books.connection, books.connector)

    assert again.updated == 0
    assert "the package did not void it" in note
    assert "take the payments and credits off it in the package (or refund them)" in note
    assert await status_in_package(books, "J-1") not in ("VOID", "VOIDED")
    [difference] = report.differences  # the jobs side holds the 120.00 on account; the package, paid
    assert (difference.jobs_balance, difference.package_balance) == (Decimal("-120.00"), Decimal("0.00"))
    assert "invoice J-1 changed after sending" in difference.reason
