"""A record edited in the job system after it was sent: each package takes the change in place where it
can (a contact, a document with no money against it), and only a document with money against it needs
the bookkeeper's credit and re-issue."""

from __future__ import annotations

from collections.abc import AsyncIterator
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
    RecordKind,
    Supplier,
    SupplierInvoice,
)
from ledgerlink.services.sending.controls import credit_and_reissue
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.store.connections import LinkRepository
from tests.support.sent_books import SentBooks, sent_books


def invoice(net: str, *, number: str = "INV-1001") -> Invoice:
    return Invoice(
        source_id="J-1",
        number=number,
        customer_id="C-1",
        date=date(2026, 10, 5),
        lines=(
            DocumentLine(
                description="Boiler service", unit_price=Decimal(net), vat_rate="S", nominal_code="4000"
            ),
        ),
    )


def bill(net: str) -> SupplierInvoice:
    return SupplierInvoice(
        source_id="B-1",
        number="PLUMB-77",
        supplier_id="S-1",
        date=date(2026, 10, 6),
        lines=(
            DocumentLine(
                description="Copper pipe", unit_price=Decimal(net), vat_rate="S", nominal_code="5000"
            ),
        ),
    )


ADA = Customer(source_id="C-1", first_name="Ada", last_name="Lovelace", email="ada@example.com")


@pytest.fixture(params=["sage", "xero"])
async def books(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SentBooks]:
    async with sent_books(str(request.param), tmp_path) as made:
        yield made


def package_id(books: SentBooks, kind: RecordKind, source_id: str) -> str:
    with books.store.unit_of_work() as uow:
        return LinkRepository(uow.session, books.connection.id).package_ids(kind)[source_id]


async def gross_in_package(books: SentBooks, kind: RecordKind, source_id: str) -> Decimal:
    found = package_id(books, kind, source_id)
    if books.package == "xero":
        return Decimal(str((await books.get(f"/Invoices/{found}"))["Invoices"][0]["Total"]))
    path = "/sales_invoices" if kind is RecordKind.INVOICE else "/purchase_invoices"
    return Decimal(str((await books.get(f"{path}/{found}"))["total_amount"]))


async def test_an_unpaid_invoice_edited_after_sending_is_updated_in_place(books: SentBooks) -> None:
    books.feed(ADA, invoice("100.00"))
    await books.send()
    sent_as = package_id(books, RecordKind.INVOICE, "J-1")

    books.feed(invoice("150.00"))  # the job cost more than first invoiced
    again = await books.send()

    assert again.updated == 1
    assert books.entry(RecordKind.INVOICE, "J-1").changed_after_sending == ""
    assert package_id(books, RecordKind.INVOICE, "J-1") == sent_as
    assert await gross_in_package(books, RecordKind.INVOICE, "J-1") == Decimal("180.00")
    assert await books.documents() == {"invoices": 1, "credit notes": 0}


async def test_a_credit_note_against_an_invoice_edited_since_it_was_sent_goes_in_the_same_send(
    books: SentBooks,
) -> None:
    """The invoice takes its new figures first, so the credit set against it is not held back for a
    second send, and the books agree when the send ends."""
    books.feed(ADA, invoice("100.00"))
    await books.send()

    books.feed(
        invoice("150.00"),
        CreditNote(
            source_id="CN-1",
            number="CN-1001",
            customer_id="C-1",
            date=date(2026, 10, 9),
            invoice_id="J-1",
            lines=(
                DocumentLine(
                    description="Goodwill", unit_price=Decimal("10.00"), vat_rate="S", nominal_code="4000"
                ),
            ),
        ),
    )
    again = await books.send()

    assert again.updated == 1
    assert books.entry(RecordKind.CREDIT_NOTE, "CN-1").state is EntryState.SENT
    report = await reconcile(books.store, books.connection, books.connector)
    assert report.clean, report.differences
    assert await books.documents() == {"invoices": 1, "credit notes": 1}


async def test_an_unpaid_bill_edited_after_sending_is_updated_in_place(books: SentBooks) -> None:
    books.feed(Supplier(source_id="S-1", name="City Plumbing Supplies"), bill("40.00"))
    await books.send()
    sent_as = package_id(books, RecordKind.SUPPLIER_INVOICE, "B-1")

    books.feed(bill("55.00"))
    again = await books.send()

    assert again.updated == 1
    assert package_id(books, RecordKind.SUPPLIER_INVOICE, "B-1") == sent_as
    assert await gross_in_package(books, RecordKind.SUPPLIER_INVOICE, "B-1") == Decimal("66.00")


async def test_a_paid_invoice_edited_after_sending_waits_for_credit_and_reissue(books: SentBooks) -> None:
    books.feed(
        ADA,
        invoice("100.00"),
        CustomerPayment(
            source_id="P-1",
            customer_id="C-1",
            date=date(2026, 10, 20),
            amount=Decimal("50.00"),
            method="card",
            allocations=(Allocation(document_id="J-1", amount=Decimal("50.00")),),
        ),
    )
    await books.send()

    books.feed(invoice("150.00"))
    again = await books.send()
    note = books.entry(RecordKind.INVOICE, "J-1").changed_after_sending

    assert again.updated == 0
    assert "credit it and issue it again" in note.lower()
    assert await gross_in_package(books, RecordKind.INVOICE, "J-1") == Decimal("120.00")


async def test_a_customers_new_email_reaches_the_package(books: SentBooks) -> None:
    books.feed(ADA, invoice("100.00"))
    await books.send()

    books.feed(ADA.model_copy(update={"email": "ada.lovelace@example.org"}))
    again = await books.send()
    contact = package_id(books, RecordKind.CUSTOMER, "C-1")
    if books.package == "xero":
        email = (await books.get(f"/Contacts/{contact}"))["Contacts"][0]["EmailAddress"]
    else:
        email = (await books.get(f"/contacts/{contact}"))["email"]

    assert again.updated == 1
    assert books.entry(RecordKind.CUSTOMER, "C-1").changed_after_sending == ""
    assert email == "ada.lovelace@example.org"


async def test_a_payment_of_a_paid_invoices_new_total_waits_for_the_decision_then_settles_it(
    books: SentBooks,
) -> None:
    def paid(source_id: str, amount: str) -> CustomerPayment:
        return CustomerPayment(
            source_id=source_id,
            customer_id="C-1",
            date=date(2026, 10, 20),
            amount=Decimal(amount),
            method="card",
            allocations=(Allocation(document_id="J-1", amount=Decimal(amount)),),
        )

    books.feed(ADA, invoice("100.00"), paid("P-1", "50.00"))
    await books.send()
    books.feed(invoice("150.00"), paid("P-2", "130.00"))  # the job cost more; the customer paid the rest
    noticed = await books.send()
    waiting = books.entry(RecordKind.CUSTOMER_PAYMENT, "P-2")
    [told] = (await reconcile(books.store, books.connection, books.connector)).differences
    credit_and_reissue(books.store, books.company_id, "J-1", kind=RecordKind.INVOICE)
    settled = await books.send()
    report = await reconcile(books.store, books.connection, books.connector)

    assert not noticed.failed, noticed.failed
    assert waiting.state is EntryState.BLOCKED
    assert "invoice J-1" in waiting.blocked_by
    assert "changed after sending" in waiting.blocked_by
    assert "customer payment P-2 blocked: waits for invoice J-1, changed after sending" in told.reason
    assert books.entry(RecordKind.CUSTOMER_PAYMENT, "P-2").state is EntryState.SENT
    assert not settled.failed
    assert report.clean, report.differences
    assert report.jobs_total == Decimal("0.00")
