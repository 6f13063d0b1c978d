"""A supplier pays money back against a credit it gave: a supplier refund, on each sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import (
    Allocation,
    DocumentLine,
    Supplier,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
)
from ledgerlink.services.sending.reconcile import reconcile
from tests.support.sent_books import SentBooks, sent_books


def lines(net: str) -> tuple[DocumentLine, ...]:
    return (
        DocumentLine(description="Copper pipe", unit_price=Decimal(net), vat_rate="S", nominal_code="5000"),
    )


@pytest.fixture(params=["sage", "xero"])
async def books(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SentBooks]:
    async with sent_books(str(request.param), tmp_path) as made:
        yield made


async def test_a_supplier_refund_of_its_credit_note_reaches_the_package_and_the_books_agree(
    books: SentBooks,
) -> None:
    books.feed(
        Supplier(source_id="S-1", name="City Plumbing Supplies"),
        SupplierInvoice(
            source_id="B-1", number="CPS-77", supplier_id="S-1", date=date(2026, 10, 6), lines=lines("100.00")
        ),
        SupplierCreditNote(
            source_id="BC-1",
            number="CPS-CN-3",
            supplier_id="S-1",
            date=date(2026, 10, 9),
            lines=lines("30.00"),
        ),
        SupplierPayment(
            source_id="SR-1",
            supplier_id="S-1",
            date=date(2026, 10, 12),
            amount=Decimal("36.00"),
            method="card",
            reference="Refund CPS-CN-3",
            is_refund=True,
            allocations=(Allocation(document_id="BC-1", amount=Decimal("36.00")),),
        ),
    )

    sent = await books.send()
    report = await reconcile(books.store, books.connection, books.connector)

    assert not sent.failed, sent.failed
    assert sent.sent["supplier payment"] == 1
    assert report.clean, report.differences
    assert report.jobs_total == Decimal("120.00")  # the bill; the credit was paid back in cash
