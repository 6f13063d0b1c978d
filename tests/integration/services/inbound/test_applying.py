"""What a person does in the package comes back to the jobs side once, however often it is read:
a payment becomes a payment record with its allocations, a void and a deleted payment are applied,
and what cannot be applied is listed for a person, never guessed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import Allocation, CustomerPayment, RecordKind, SupplierPayment
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.inbound.run import ChangesReport, read_and_apply
from ledgerlink.services.sending.controls import send_now
from ledgerlink.services.sending.reconcile import ReconcileReport, reconcile
from ledgerlink.store.package_events import PackageEvent
from tests.support.package_side import PackageSide, sent_books

PACKAGES = ("sage", "xero")


async def read(side: PackageSide, times: int = 1) -> ChangesReport:
    report = await read_and_apply(side.connectors, side.company_id)
    for _ in range(times - 1):
        report = await read_and_apply(side.connectors, side.company_id)
    return report


def events(side: PackageSide) -> list[PackageEvent]:
    with side.store.unit_of_work() as uow:
        return uow.package_events(side.company_id).page(limit=1000)


def payments(side: PackageSide, kind: RecordKind = RecordKind.CUSTOMER_PAYMENT) -> dict[str, object]:
    with side.store.unit_of_work() as uow:
        return {stored.source_id: stored.record for stored in uow.records(side.company_id).list(kind).items}


async def reconciled(side: PackageSide) -> ReconcileReport:
    connector = side.connectors.connector(side.connection)
    try:
        return await reconcile(side.store, side.connection, connector)
    finally:
        await connector.aclose()


def set_kinds(side: PackageSide, *kinds: str) -> None:
    with side.store.unit_of_work() as uow:
        uow.inbound(side.connection).update_settings(kinds=set(kinds))
        uow.commit()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_payment_made_in_the_package_comes_back_once_with_its_allocation(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    await read(side)  # from the first read on: ledgerlink's own payment P-1 is read back too
    payment_id = await side.pays("J-1", "70.00")

    await read(side, times=3)

    found = payments(side)
    assert set(found) == {"P-1", f"{package}-{payment_id}"}
    paid = found[f"{package}-{payment_id}"]
    assert isinstance(paid, CustomerPayment)
    assert (paid.customer_id, paid.amount, paid.method) == ("C1", Decimal("70.00"), "bacs")
    assert [(a.document_id, a.amount) for a in paid.allocations] == [("J-1", Decimal("70.00"))]
    assert [(e.what, e.record_kind, e.source_id) for e in events(side)] == [
        ("created", "customer_payment", f"{package}-{payment_id}")
    ]
    assert side.linked(RecordKind.CUSTOMER_PAYMENT, f"{package}-{payment_id}") == payment_id
    assert (await reconciled(side)).clean
    again = await send_now(side.connectors, side.company_id)
    assert sum(again.sent.values()) == 0  # it came from the package: it never goes back
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_supplier_payment_made_in_the_package_comes_back(package: str, tmp_path: Path) -> None:
    side = await sent_books(package, tmp_path)
    payment_id = await side.pays("B-1", "48.00", kind=RecordKind.SUPPLIER_INVOICE)

    await read(side, times=2)

    found = payments(side, RecordKind.SUPPLIER_PAYMENT)
    paid = found[f"{package}-{payment_id}"]
    assert isinstance(paid, SupplierPayment)
    assert (paid.supplier_id, [(a.document_id, a.amount) for a in paid.allocations]) == (
        "S1",
        [("B-1", Decimal("48.00"))],
    )
    assert (await reconciled(side)).clean
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_payment_deleted_in_the_package_is_taken_off_the_jobs_side(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    payment_id = await side.pays("J-1", "30.00")
    await read(side)
    await side.deletes_payment(payment_id)

    await read(side, times=2)

    assert set(payments(side)) == {"P-1"}
    assert [e.what for e in events(side)] == ["created", "deleted"]
    assert (await reconciled(side)).clean
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_invoice_voided_in_the_package_is_marked_and_reconciles(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    set_kinds(side, "payment", "document")
    await side.voids_invoice("J-1")

    await read(side, times=2)

    voids = [(e.what, e.record_kind, e.source_id) for e in events(side)]
    assert voids == [("voided", "invoice", "J-1")]
    assert (await reconciled(side)).clean
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_payment_against_a_document_ledgerlink_does_not_know_is_listed_for_a_person(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    stranger = await side.invoices_in_package_only("30.00")
    await side.pays_package_document(stranger, "36.00")

    await read(side, times=2)

    assert set(payments(side)) == {"P-1"}
    listed = events(side)
    assert [e.what for e in listed] == ["needs_person"]
    assert "did not send" in listed[0].detail["reason"]
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_payment_ledgerlink_sent_against_two_invoices_never_comes_back_as_new(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    split = CustomerPayment(
        source_id="P-2",
        customer_id="C1",
        date=date(2026, 10, 9),
        amount=Decimal("60.00"),
        method="bacs",
        allocations=(
            Allocation(document_id="J-1", amount=Decimal("40.00")),
            Allocation(document_id="J-2", amount=Decimal("20.00")),
        ),
    )
    with side.store.unit_of_work() as uow:
        assert not ingest(uow, side.company_id, [split]).rejected
        uow.commit()
    assert not (await send_now(side.connectors, side.company_id)).failed

    await read(side, times=2)

    assert set(payments(side)) == {"P-1", "P-2"}  # Xero keeps P-2 as two payments: both are known
    assert events(side) == []
    assert (await reconciled(side)).clean
    side.store.close()


async def test_a_payment_ledgerlink_sent_and_moved_to_another_invoice_in_sage_is_listed_for_a_person(
    tmp_path: Path,
) -> None:
    side = await sent_books("sage", tmp_path)
    await read(side)  # P-1 read back as sent: ledgerlink's own, nothing to say
    assert events(side) == []
    sent = side.linked(RecordKind.CUSTOMER_PAYMENT, "P-1")
    moved = {"artefact_id": side.linked(RecordKind.INVOICE, "J-1"), "amount": 20.0}
    await side.as_person(
        "PUT", f"/contact_payments/{sent}", {"contact_payment": {"allocated_artefacts": [moved]}}
    )

    await read(side, times=2)

    listed = events(side)
    assert [(e.what, e.record_kind, e.source_id) for e in listed] == [
        ("needs_person", "customer_payment", "P-1")
    ]
    assert "changed in the package" in listed[0].detail["reason"]
    assert "INV-1" in listed[0].detail["reason"]
    payment = payments(side)["P-1"]
    assert isinstance(payment, CustomerPayment)
    assert [a.document_id for a in payment.allocations] == ["J-2"]  # the job system's, untouched
    side.store.close()


async def test_a_payment_ledgerlink_sent_with_its_amount_changed_in_sage_is_listed_for_a_person(
    tmp_path: Path,
) -> None:
    side = await sent_books("sage", tmp_path)
    sent = side.linked(RecordKind.CUSTOMER_PAYMENT, "P-1")
    less = {"artefact_id": side.linked(RecordKind.INVOICE, "J-2"), "amount": 15.0}
    body = {"contact_payment": {"total_amount": 15.0, "allocated_artefacts": [less]}}
    await side.as_person("PUT", f"/contact_payments/{sent}", body)

    await read(side, times=2)

    assert [(e.what, e.source_id) for e in events(side)] == [("needs_person", "P-1")]
    side.store.close()
