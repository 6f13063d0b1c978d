"""A payment Xero keeps in parts (a Payment per document settled, an overpayment for money on account),
uncertain for longer than Xero keeps its keys, is looked up part by part: found whole it is linked, found
nowhere it is sent again, and found in part it fails for a person, naming what Xero holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Allocation, Customer, CustomerPayment, DocumentLine, Invoice, RecordKind
from ledgerlink.services.demo.sandbox_session import sandbox_client
from ledgerlink.services.sending.engine import REPLAY_WINDOW, Sender, SendReport
from ledgerlink.services.sending.reconcile import reconcile
from tests.support.sent_books import SentBooks, sent_books


def invoice(source_id: str, number: str) -> Invoice:
    """An invoice of 120.00 (100.00 and VAT at 20%)."""
    line = DocumentLine(
        description="Boiler service", unit_price=Decimal("100.00"), vat_rate="S", nominal_code="4000"
    )
    return Invoice(
        source_id=source_id, number=number, customer_id="C-1", date=date(2026, 10, 5), lines=(line,)
    )


def payment(source_id: str, amount: str, *settles: tuple[str, str]) -> CustomerPayment:
    return CustomerPayment(
        source_id=source_id,
        customer_id="C-1",
        date=date(2026, 10, 20),
        amount=Decimal(amount),
        method="card",
        allocations=tuple(Allocation(document_id=doc, amount=Decimal(paid)) for doc, paid in settles),
    )


@pytest.fixture
async def books(tmp_path: Path) -> AsyncIterator[SentBooks]:
    async with sent_books("xero", tmp_path) as made:
        made.feed(
            Customer(source_id="C-1", first_name="Ada", last_name="Lovelace"),
            invoice("J-1", "INV-1"),
            invoice("J-2", "INV-2"),
        )
        await made.send()
        yield made


async def faults(books: SentBooks, **rates: float) -> None:
    async with sandbox_client(books.connectors, books.package) as client:
        (await client.post("/_sandbox/faults", json=rates)).raise_for_status()


async def sent_with_lost_replies(
    books: SentBooks, *payments: CustomerPayment, fault: str = "drop_after_store_rate"
) -> None:
    """The payments go, and the first request (the payments' parts) gets no answer to trust: Xero stored
    it and the reply was lost, or (`error_rate`) it failed with a 500 before storing anything. Nothing
    after it (money on account) goes, and each payment is left uncertain."""
    books.feed(*payments)
    await faults(books, **{fault: 1.0})
    await books.send()
    await faults(books)
    for sent in payments:
        assert books.entry(RecordKind.CUSTOMER_PAYMENT, sent.source_id).state is EntryState.UNCERTAIN


async def send_after_the_replay_window(books: SentBooks) -> SendReport:
    """A send a day later, when a replay under the same key no longer proves anything: a look-up."""
    later = REPLAY_WINDOW + timedelta(hours=1)
    sender = Sender(
        books.store,
        connection=books.connection,
        connector=books.connector,
        now=lambda: datetime.now(UTC) + later,
    )
    return await sender.run()


async def live_payments(books: SentBooks) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await books.get("/Payments")).get("Payments", [])
    return [item for item in found if item.get("Status") == "AUTHORISED"]


async def delete_payment(books: SentBooks, payment_id: str) -> None:
    """As a person deletes a payment in Xero."""
    await books.call("POST", f"/Payments/{payment_id}", {"Payments": [{"Status": "DELETED"}]})


def on_invoice(payments: list[dict[str, Any]], number: str) -> dict[str, Any]:
    return next(item for item in payments if item["Invoice"]["InvoiceNumber"] == number)


async def test_a_payment_whose_money_on_account_never_reached_xero_fails_for_a_person_and_the_rest_go_on(
    books: SentBooks,
) -> None:
    await sent_with_lost_replies(
        books,
        payment("P-1", "140.00", ("J-1", "120.00")),  # 20.00 left on account: an overpayment
        payment("P-2", "120.00", ("J-2", "120.00")),
    )
    writes = len(await live_payments(books))

    report = await send_after_the_replay_window(books)

    partial = books.entry(RecordKind.CUSTOMER_PAYMENT, "P-1")
    assert partial.state is EntryState.FAILED
    assert "Xero holds only part of this payment: 120.00 on INV-1 (Xero payment" in partial.reason
    assert "It does not hold 20.00 on account" in partial.reason
    assert books.entry(RecordKind.CUSTOMER_PAYMENT, "P-2").state is EntryState.SENT
    assert report.failed == {"customer payment": 1}
    assert not report.stopped
    assert (writes, len(await live_payments(books))) == (2, 2)  # nothing sent again
    assert (await books.state())["overpayments"] == 0


async def test_a_payment_xero_holds_for_one_document_and_not_the_other_fails_naming_each(
    books: SentBooks,
) -> None:
    await sent_with_lost_replies(books, payment("P-1", "100.00", ("J-1", "60.00"), ("J-2", "40.00")))
    await delete_payment(books, on_invoice(await live_payments(books), "INV-2")["PaymentID"])
    kept = on_invoice(await live_payments(books), "INV-1")["PaymentID"]

    await send_after_the_replay_window(books)

    entry = books.entry(RecordKind.CUSTOMER_PAYMENT, "P-1")
    assert entry.state is EntryState.FAILED
    assert f"Xero holds only part of this payment: 60.00 on INV-1 (Xero payment {kept})" in entry.reason
    assert "It does not hold 40.00 on INV-2" in entry.reason
    assert [item["PaymentID"] for item in await live_payments(books)] == [kept]


async def test_a_payment_xero_holds_whole_is_linked_to_its_first_part_and_sent_nowhere_again(
    books: SentBooks,
) -> None:
    await sent_with_lost_replies(books, payment("P-1", "240.00", ("J-1", "120.00"), ("J-2", "120.00")))
    first = on_invoice(await live_payments(books), "INV-1")["PaymentID"]

    await send_after_the_replay_window(books)
    balances = await reconcile(books.store, books.connection, books.connector)

    entry = books.entry(RecordKind.CUSTOMER_PAYMENT, "P-1")
    assert (entry.state, entry.package_id) == (EntryState.SENT, first)
    assert len(await live_payments(books)) == 2
    assert balances.clean, balances.differences


async def test_a_payment_xero_holds_no_part_of_is_sent_again_whole(books: SentBooks) -> None:
    await sent_with_lost_replies(
        books, payment("P-1", "260.00", ("J-1", "120.00"), ("J-2", "120.00")), fault="error_rate"
    )
    assert await live_payments(books) == []

    await send_after_the_replay_window(books)
    balances = await reconcile(books.store, books.connection, books.connector)

    assert books.entry(RecordKind.CUSTOMER_PAYMENT, "P-1").state is EntryState.SENT
    assert sorted(item["Invoice"]["InvoiceNumber"] for item in await live_payments(books)) == [
        "INV-1",
        "INV-2",
    ]
    assert (await books.state())["overpayments"] == 1
    assert balances.clean, balances.differences
