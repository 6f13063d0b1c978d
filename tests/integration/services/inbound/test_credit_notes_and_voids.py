"""Credit notes set against invoices in the package, taken off them again, and invoices voided there:
applied to the jobs side once, kept in step with the outbox so nothing goes back out, and listed for a
person where the two sides would disagree."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import Step
from ledgerlink.domain.records import (
    CreditNote,
    Invoice,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
)
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.inbound.run import read_and_apply
from ledgerlink.services.sending.controls import send_now
from ledgerlink.services.sending.engine import SendReport
from tests.integration.services.inbound.test_applying import events, reconciled, set_kinds
from tests.support.package_side import PackageSide, line, sent_books

PACKAGES = ("sage", "xero")


async def read(side: PackageSide, times: int = 2) -> None:
    for _ in range(times):
        await read_and_apply(side.connectors, side.company_id)


async def with_credit_note(side: PackageSide, invoice_id: str = "") -> None:
    """The job system raises a credit note of £12.00 for Jane Smith, and it is sent."""
    credit = CreditNote(
        source_id="CN-1",
        number="CR-1",
        date=date(2026, 10, 12),
        customer_id="C1",
        invoice_id=invoice_id,
        lines=(line("10.00"),),
    )
    with side.store.unit_of_work() as uow:
        assert not ingest(uow, side.company_id, [credit]).rejected
        uow.commit()
    assert not (await send_now(side.connectors, side.company_id)).failed


def held(side: PackageSide, kind: RecordKind, source_id: str) -> object:
    with side.store.unit_of_work() as uow:
        return uow.records(side.company_id).get(kind, source_id).record


async def nothing_goes_back(side: PackageSide) -> SendReport:
    report = await send_now(side.connectors, side.company_id)
    assert (sum(report.sent.values()), sum(report.failed.values()), report.updated) == (0, 0, 0)
    with side.store.unit_of_work() as uow:
        assert uow.outbox(side.connection).changed_after_sending() == []
    return report


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_credit_note_allocated_in_the_package_is_set_against_its_invoice(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await with_credit_note(side)
    allocation_id = await side.allocates_credit("CN-1", "J-1", "12.00")

    await read(side, times=3)

    credit = held(side, RecordKind.CREDIT_NOTE, "CN-1")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == "J-1"
    assert [(e.what, e.record_kind, e.source_id) for e in events(side)] == [
        ("allocated", "credit_note", "CN-1")
    ]
    with side.store.unit_of_work() as uow:
        entry = uow.outbox(side.connection).find(RecordKind.CREDIT_NOTE, "CN-1", Step.ALLOCATE)
    assert entry is not None
    assert entry.package_id == allocation_id
    assert (await reconciled(side)).clean
    await nothing_goes_back(side)  # the package holds the allocation: it is never sent again
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_allocation_taken_off_in_the_package_is_taken_off_the_jobs_side(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await with_credit_note(side)
    allocation_id = await side.allocates_credit("CN-1", "J-1", "12.00")
    await read(side)
    await side.removes_allocation("CN-1", allocation_id)

    await read(side)

    credit = held(side, RecordKind.CREDIT_NOTE, "CN-1")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == ""
    assert [e.what for e in events(side)] == ["allocated", "unallocated"]
    assert (await reconciled(side)).clean
    await nothing_goes_back(side)
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_allocation_taken_off_and_made_again_between_reads_stands_on_the_jobs_side(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await with_credit_note(side)
    first = await side.allocates_credit("CN-1", "J-1", "12.00")
    await read(side)
    await side.removes_allocation("CN-1", first)
    again = await side.allocates_credit("CN-1", "J-1", "12.00")

    await read(side)

    credit = held(side, RecordKind.CREDIT_NOTE, "CN-1")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == "J-1"
    said = [e.what for e in events(side)]
    assert said[0] == "allocated"
    assert said[-1] == "allocated"  # whether the removal was read before the new allocation or after
    assert "needs_person" not in said
    with side.store.unit_of_work() as uow:
        entry = uow.outbox(side.connection).find(RecordKind.CREDIT_NOTE, "CN-1", Step.ALLOCATE)
    assert entry is not None
    assert entry.package_id == again
    assert (await reconciled(side)).clean
    await nothing_goes_back(side)
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_supplier_credit_note_allocated_in_the_package_is_set_against_its_bill(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    credit = SupplierCreditNote(
        source_id="SCN-1",
        number="PC-881-CR",
        date=date(2026, 10, 12),
        supplier_id="S1",
        lines=(line("10.00", "5000"),),
    )
    with side.store.unit_of_work() as uow:
        assert not ingest(uow, side.company_id, [credit]).rejected
        uow.commit()
    assert not (await send_now(side.connectors, side.company_id)).failed
    await side.allocates_credit("SCN-1", "B-1", "12.00", supplier=True)

    await read(side)

    held_credit = held(side, RecordKind.SUPPLIER_CREDIT_NOTE, "SCN-1")
    assert isinstance(held_credit, SupplierCreditNote)
    assert held_credit.supplier_invoice_id == "B-1"
    assert [(e.what, e.source_id) for e in events(side)] == [("allocated", "SCN-1")]
    assert (await reconciled(side)).clean
    await nothing_goes_back(side)
    side.store.close()


async def test_an_allocation_ledgerlink_sent_and_taken_off_in_xero_is_listed_for_a_person(
    tmp_path: Path,
) -> None:
    side = await sent_books("xero", tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await with_credit_note(side, invoice_id="J-1")
    await read(side)
    with side.store.unit_of_work() as uow:
        entry = uow.outbox(side.connection).find(RecordKind.CREDIT_NOTE, "CN-1", Step.ALLOCATE)
    assert entry is not None
    assert entry.package_id
    await side.removes_allocation("CN-1", entry.package_id)

    await read(side)

    [listed] = events(side)
    assert listed.what == "needs_person"
    assert "by ledgerlink, and taken off it in the package" in listed.detail["reason"]
    assert "invoice INV-1" in listed.detail["reason"]  # named as people name it
    credit = held(side, RecordKind.CREDIT_NOTE, "CN-1")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == "J-1"
    side.store.close()


async def test_a_credit_note_allocated_for_less_than_the_jobs_side_would_settle_is_listed(
    tmp_path: Path,
) -> None:
    side = await sent_books("sage", tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await with_credit_note(side)
    await side.allocates_credit("CN-1", "J-1", "5.00")

    await read(side)

    [listed] = events(side)
    assert listed.what == "needs_person"
    assert "for 5.00" in listed.detail["reason"]
    assert "would settle 12.00" in listed.detail["reason"]
    credit = held(side, RecordKind.CREDIT_NOTE, "CN-1")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == ""
    side.store.close()


async def test_a_credit_note_the_job_system_changed_since_sending_is_listed_when_allocated_there(
    tmp_path: Path,
) -> None:
    side = await sent_books("sage", tmp_path)
    set_kinds(side, "payment", "credit_allocation")
    await with_credit_note(side)
    with side.store.unit_of_work() as uow:
        credit = uow.records(side.company_id).get(RecordKind.CREDIT_NOTE, "CN-1").record
        assert isinstance(credit, CreditNote)
        renamed = credit.model_copy(update={"number": "CR-1A"})
        assert not ingest(uow, side.company_id, [renamed]).rejected
        uow.commit()
    await side.allocates_credit("CN-1", "J-1", "12.00")

    await read(side)

    [listed] = events(side)
    assert listed.what == "needs_person"
    assert "changed in the job system since it was sent" in listed.detail["reason"]
    credit = held(side, RecordKind.CREDIT_NOTE, "CN-1")
    assert isinstance(credit, CreditNote)
    assert credit.invoice_id == ""
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_invoice_voided_in_the_package_is_cancelled_on_the_jobs_side(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "document")
    await side.voids_invoice("J-1")

    await read(side)

    invoice = held(side, RecordKind.INVOICE, "J-1")
    assert isinstance(invoice, Invoice)
    assert invoice.cancelled_on is not None
    assert [(e.what, e.source_id) for e in events(side)] == [("voided", "J-1")]
    with side.store.unit_of_work() as uow:
        entry = uow.outbox(side.connection).find(RecordKind.INVOICE, "J-1")
    assert entry is not None
    assert entry.reason == "voided in the package"
    assert (await reconciled(side)).clean
    await nothing_goes_back(side)  # no second void, no update
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_bill_taken_out_of_the_package_is_cancelled_on_the_jobs_side(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "document")
    await side.voids_bill("B-1")

    await read(side)

    bill = held(side, RecordKind.SUPPLIER_INVOICE, "B-1")
    assert isinstance(bill, SupplierInvoice)
    assert bill.cancelled_on is not None
    assert [(e.what, e.source_id) for e in events(side)] == [("voided", "B-1")]
    assert (await reconciled(side)).clean
    await nothing_goes_back(side)
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_void_where_the_jobs_side_still_holds_a_payment_is_listed_for_a_person(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "document")
    payment_id = side.linked(RecordKind.CUSTOMER_PAYMENT, "P-1")
    await side.deletes_payment(payment_id)  # the package voids nothing with money set against it
    await side.voids_invoice("J-2")

    await read(side)

    listed = events(side)
    assert [(e.what, e.source_id) for e in listed] == [("needs_person", "P-1"), ("needs_person", "J-2")]
    assert "customer payment" in listed[1].detail["reason"]
    assert "against it" in listed[1].detail["reason"]
    invoice = held(side, RecordKind.INVOICE, "J-2")
    assert isinstance(invoice, Invoice)
    assert invoice.cancelled_on is None
    side.store.close()


async def test_a_credit_note_voided_in_the_package_is_listed_for_a_person(tmp_path: Path) -> None:
    side = await sent_books("xero", tmp_path)
    set_kinds(side, "payment", "credit_allocation", "document")
    await with_credit_note(side)
    credit_id = side.linked(RecordKind.CREDIT_NOTE, "CN-1")
    body = {"CreditNotes": [{"CreditNoteID": credit_id, "Status": "VOIDED"}]}
    await side.as_person("POST", f"/CreditNotes/{credit_id}", body)

    await read(side)

    [listed] = events(side)
    assert listed.what == "needs_person"
    assert "cannot cancel a credit note" in listed.detail["reason"]
    side.store.close()
