"""Sage's `idempotency_id` is in neither of its published specs: if Sage ignored it, every reply lost
after Sage stored the record must still end as exactly one record, found by its natural key before
anything is created again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.send_faults import RESOURCES, _expected, _unsent

from ledgerlink.domain.records import Allocation, Customer, CustomerPayment, DocumentLine, Invoice, RecordKind
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.services.demo.books import generate
from ledgerlink.services.sending.controls import send_now
from ledgerlink.store import Store
from ledgerlink.store.connections import LinkRepository
from tests.support.sandbox_books import Books, books_for, feed


async def connected(store: Store, tmp_path: Path) -> Books:
    """A company connected to a Sage sandbox that ignores `idempotency_id`, every account mapped."""
    books = books_for(
        "sage", store, tmp_path, app=sandbox_app("sage", limits=False, ignore_idempotency_id=True)
    )
    await books.connect(cut_off=date(2020, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    return books


async def send_losing_every_reply(books: Books, rounds: int = 12) -> None:
    """Every write is stored and its reply lost: each send settles what the last one left uncertain and
    sends the next tier, whose replies are lost in turn; then a last send with the replies back."""
    await books.admin("POST", "/_sandbox/faults", {"drop_after_store_rate": 1.0})
    for _ in range(rounds):
        await send_now(books.connectors, books.company_id)
        if not _unsent(books.store, books.company_id):
            break
    await books.admin("POST", "/_sandbox/faults", {})
    await send_now(books.connectors, books.company_id)


async def counts(books: Books) -> dict[str, Any]:
    state = await books.admin("GET", "/_sandbox/state")
    found: dict[str, Any] = state["businesses"][0]["counts"]
    return found


async def test_every_lost_reply_ends_as_one_record_when_sage_ignores_idempotency_ids(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = await connected(sqlite_store, tmp_path)
    feed(books, generate(seed=3, invoices=12, customers=4, today=date(2026, 11, 1)))

    await send_losing_every_reply(books)

    found = await counts(books)
    expected, _entries = _expected(books.store, books.company_id, "sage")
    assert set(expected) == set(RESOURCES["sage"].values())  # every kind of record was on the way
    assert {name: found.get(name, 0) for name in expected} == expected
    assert _unsent(books.store, books.company_id) == []


async def test_two_payments_a_natural_key_cannot_tell_apart_end_linked_to_one_each(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = await connected(sqlite_store, tmp_path)
    line = DocumentLine(
        description="Boiler service", unit_price=Decimal("100.00"), vat_rate="S", nominal_code="4000"
    )
    half = [Allocation(document_id="J-1", amount=Decimal("60.00"))]
    feed(
        books,
        [
            Customer(source_id="C-1", first_name="Jo", last_name="Hollis"),
            Invoice(
                source_id="J-1", number="INV-1", customer_id="C-1", date=date(2026, 10, 1), lines=(line,)
            ),
            *(
                CustomerPayment(
                    source_id=f"P-{n}",
                    customer_id="C-1",
                    date=date(2026, 10, 5),
                    amount=Decimal("60.00"),
                    method="bacs",
                    reference="BACS HOLLIS",
                    allocations=tuple(half),
                )
                for n in (1, 2)
            ),
        ],
    )

    await send_losing_every_reply(books)

    assert (await counts(books))["contact_payments"] == 2
    assert _unsent(books.store, books.company_id) == []
    with books.store.unit_of_work() as uow:
        linked = LinkRepository(uow.session, books.current().id).package_ids(RecordKind.CUSTOMER_PAYMENT)
    assert len(set(linked.values())) == 2
