"""A credit note set against the same invoice in the package in more than one go: taken in when the
parts add up to what the jobs side settles with it, listed for a person when they do not, and a part
taken off again listed too, since the jobs side sets a credit note against an invoice whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledgerlink.domain.records import CreditNote, RecordKind
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.sending.controls import send_now
from tests.integration.services.inbound.test_applying import events, reconciled, set_kinds
from tests.integration.services.inbound.test_credit_notes_and_voids import held, nothing_goes_back, read
from tests.support.package_side import PackageSide, line, sent_books

PACKAGES = ("sage", "xero")


async def with_credit_notes(side: PackageSide, invoice_id: str = "") -> None:
    """The job system raises two credit notes for Jane Smith, £12.00 (CR-8) and £120.00 (CR-9), and
    they are sent; INV-1 is £120.00. Set against it, CR-8 settles £12.00 and CR-9 the £108.00 left."""
    credits = [
        CreditNote(
            source_id=f"CN-{n}",
            number=f"CR-{n}",
            date=date(2026, 10, day),
            customer_id="C1",
            invoice_id=invoice_id,
            lines=(line(net),),
        )
        for n, day, net in ((8, 11, "10.00"), (9, 12, "100.00"))
    ]
    with side.store.unit_of_work() as uow:
        assert not ingest(uow, side.company_id, credits).rejected
        uow.commit()
    assert not (await send_now(side.connectors, side.company_id)).failed


async def in_two_goes(side: PackageSide) -> str:
    """CR-8 and £108.00 of CR-9 set against INV-1 in the package, then CR-8 taken off it: the jobs
    side's CR-9 settles all £120.00 now, the package's £108.00. Answers CR-8's allocation id."""
    await with_credit_notes(side)
    eight = await side.allocates_credit("CN-8", "J-1", "12.00")
    await side.allocates_credit("CN-9", "J-1", "108.00")
    await read(side)
    await side.removes_allocation("CN-8", eight)
    await read(side)
    return eight


@pytest.mark.parametrize("package", PACKAGES)
async def test_the_rest_of_a_credit_note_set_against_its_invoice_in_a_second_go_is_taken_in(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await in_two_goes(side)

    await side.allocates_credit("CN-9", "J-1", "12.00")
    await read(side, times=3)

    credit = held(side, RecordKind.CREDIT_NOTE, "CN-9")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == "J-1"
    said = [(e.what, e.source_id) for e in events(side)]
    assert said[-1] == ("allocated", "CN-9")
    assert said.count(("allocated", "CN-9")) == 2
    assert all(what != "needs_person" for what, _ in said)
    assert (await reconciled(side)).clean
    await nothing_goes_back(side)
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_second_allocation_the_jobs_side_would_not_settle_is_listed_for_a_person(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await with_credit_notes(side, invoice_id="J-1")  # ledgerlink sets £108.00 of CR-9 against INV-1
    await read(side)
    with side.store.unit_of_work() as uow:
        allocation = uow.inbound(side.connection).allocation(RecordKind.CREDIT_NOTE, "CN-8")
    assert allocation is not None
    await side.removes_allocation("CN-8", allocation.package_id)
    await read(side)  # CR-8's allocation was the job system's: listed, and the jobs side still holds it

    await side.allocates_credit("CN-9", "J-1", "12.00")
    await read(side, times=2)

    listed = [e for e in events(side) if e.what == "needs_person" and e.source_id == "CN-9"]
    assert len(listed) == 1
    assert "again" in listed[0].detail["reason"]
    assert "108.00" in listed[0].detail["reason"]
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_part_of_a_credit_note_taken_off_its_invoice_is_listed_for_a_person(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await in_two_goes(side)
    second = await side.allocates_credit("CN-9", "J-1", "12.00")
    await read(side)

    await side.removes_allocation("CN-9", second)
    await read(side, times=2)

    listed = events(side)
    assert (listed[-1].what, listed[-1].source_id) == ("needs_person", "CN-9")
    assert "part of" in listed[-1].detail["reason"]
    credit = held(side, RecordKind.CREDIT_NOTE, "CN-9")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == "J-1"
    side.store.close()
