"""A credit note carries its invoice the way each package has it: set against it (the allocation), and
named by the invoice's own number, the one the bookkeeper knows, never the job system's internal id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import CreditNote, Customer, DocumentLine, Invoice, RecordKind
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.store.connections import LinkRepository
from tests.support.sent_books import SentBooks, sent_books


def line(net: str) -> tuple[DocumentLine, ...]:
    return (
        DocumentLine(
            description="Boiler service", unit_price=Decimal(net), vat_rate="S", nominal_code="4000"
        ),
    )


@pytest.fixture(params=["sage", "xero"])
async def books(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SentBooks]:
    async with sent_books(str(request.param), tmp_path) as made:
        yield made


async def test_a_credit_note_names_its_invoice_by_number_and_is_set_against_it(books: SentBooks) -> None:
    books.feed(
        Customer(source_id="C-1", first_name="Ada", last_name="Lovelace"),
        Invoice(
            source_id="X1", number="INV-X1", customer_id="C-1", date=date(2026, 10, 5), lines=line("100.00")
        ),
        CreditNote(
            source_id="X1-C",
            number="CN-X1",
            customer_id="C-1",
            date=date(2026, 10, 8),
            lines=line("40.00"),
            invoice_id="X1",
        ),
    )
    sent = await books.send()
    with books.store.unit_of_work() as uow:
        credit = LinkRepository(uow.session, books.connection.id).package_ids(RecordKind.CREDIT_NOTE)["X1-C"]
    report = await reconcile(books.store, books.connection, books.connector)

    assert not sent.failed
    if books.package == "xero":
        held = (await books.get(f"/CreditNotes/{credit}"))["CreditNotes"][0]
        assert held["Reference"] == "INV-X1"
        assert Decimal(str(held["RemainingCredit"])) == Decimal("0.00")  # all of it set against the invoice
    else:
        held = await books.get(f"/sales_credit_notes/{credit}")
        assert held["notes"] == "Credits invoice INV-X1"
        assert held.get("original_invoice_number") in (None, "")
        assert Decimal(str(held["outstanding_amount"])) == Decimal("0.00")
    assert report.clean, report.differences
    assert report.jobs_total == Decimal("72.00")


async def test_credit_notes_sent_together_each_name_their_own_invoice(books: SentBooks) -> None:
    books.feed(Customer(source_id="C-1", first_name="Ada", last_name="Lovelace"))
    for n in range(1, 4):
        books.feed(
            Invoice(
                source_id=f"X{n}",
                number=f"INV-{n}00",
                customer_id="C-1",
                date=date(2026, 10, n),
                lines=line("100.00"),
            ),
            CreditNote(
                source_id=f"X{n}-C",
                number=f"CN-{n}",
                customer_id="C-1",
                date=date(2026, 10, 10 + n),
                lines=line(f"{n}0.00"),
                invoice_id=f"X{n}",
            ),
        )
    sent = await books.send()
    with books.store.unit_of_work() as uow:
        credits = LinkRepository(uow.session, books.connection.id).package_ids(RecordKind.CREDIT_NOTE)

    assert not sent.failed
    for n in range(1, 4):
        if books.package == "xero":
            held = (await books.get(f"/CreditNotes/{credits[f'X{n}-C']}"))["CreditNotes"][0]
            assert held["Reference"] == f"INV-{n}00"
        else:
            held = await books.get(f"/sales_credit_notes/{credits[f'X{n}-C']}")
            assert held["notes"] == f"Credits invoice INV-{n}00"
