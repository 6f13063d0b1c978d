"""A customer whose id or reference is longer than the package keeps: fitted before sending, said on the
entry, the same on a replay, and never cut to collide with another customer's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Customer, RecordKind
from ledgerlink.store.connections import LinkRepository
from tests.support.sent_books import SentBooks, sent_books


@pytest.fixture(params=["sage", "xero"])
async def books(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SentBooks]:
    async with sent_books(str(request.param), tmp_path) as made:
        yield made


async def reference_in_package(books: SentBooks, source_id: str) -> str:
    with books.store.unit_of_work() as uow:
        found = LinkRepository(uow.session, books.connection.id).package_ids(RecordKind.CUSTOMER)[source_id]
    if books.package == "xero":
        return str((await books.get(f"/Contacts/{found}"))["Contacts"][0].get("AccountNumber") or "")
    return str((await books.get(f"/contacts/{found}"))["reference"])


async def test_long_ids_and_references_are_fitted_before_sending_and_said(books: SentBooks) -> None:
    long_reference = "HARTLEY-HEATING-AND-PLUMBING-SERVICES-LIMITED-ACCOUNT-00001"  # 59 characters
    books.feed(
        Customer(source_id="CUSTOMER-0000012345", first_name="Ada", last_name="Lovelace"),
        Customer(source_id="CUSTOMER-0000012346", first_name="Grace", last_name="Hopper"),
        Customer(
            source_id="H1",
            customer_type="commercial",
            company_name="Hartley Heating",
            account_reference=long_reference,
        ),
        Customer(
            source_id="H2",
            customer_type="commercial",
            company_name="Hartley Plumbing",
            account_reference=long_reference[:-1] + "2",
        ),
    )

    sent = await books.send()
    ada = await reference_in_package(books, "CUSTOMER-0000012345")
    grace = await reference_in_package(books, "CUSTOMER-0000012346")
    first = await reference_in_package(books, "H1")
    second = await reference_in_package(books, "H2")
    limit = 10 if books.package == "sage" else 50

    assert not sent.failed, sent.failed
    assert sent.counts[EntryState.SENT] == 4
    assert len(first) <= limit
    assert len(second) <= limit
    assert first != second
    if books.package == "sage":
        assert len(ada) <= 10
        assert ada != grace
        assert "was sent as" in books.entry(RecordKind.CUSTOMER, "CUSTOMER-0000012345").reason
    assert repr(first) in books.entry(RecordKind.CUSTOMER, "H1").reason


async def test_a_reference_of_the_persons_choosing_replaces_the_fitted_one(books: SentBooks) -> None:
    hartley = Customer(
        source_id="HARTLEY-HEATING-AND-PLUMBING-SERVICES-LIMITED-0000000001",  # 55 characters
        customer_type="commercial",
        company_name="Hartley Heating",
    )
    books.feed(hartley)
    await books.send()
    fitted = await reference_in_package(books, hartley.source_id)

    books.feed(hartley.model_copy(update={"account_reference": "HARTLEY1"}))
    again = await books.send()

    assert fitted != "HARTLEY1"
    assert again.updated == 1, again
    assert await reference_in_package(books, hartley.source_id) == "HARTLEY1"
    assert "was sent as" not in books.entry(RecordKind.CUSTOMER, hartley.source_id).reason
