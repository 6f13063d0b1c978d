"""Each package's change feed, read from its sandbox: what a person did there comes back, once a
cursor has passed it only through the overlap its bounds need, and a later read starts where it ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.changes import ChangeKind, DocumentChange, PaymentChange, Removal
from ledgerlink.packages.drafts import DocumentType
from tests.support.package_side import PackageSide, sent_books

PACKAGES = ("sage", "xero")
START = datetime.now(UTC) - timedelta(days=1)


async def read_all(side: PackageSide, kind: ChangeKind, cursors: dict[str, str]) -> list[object]:
    connector: PackageConnector = side.connectors.connector(side.connection)
    found: list[object] = []
    try:
        for feed, feed_kind in connector.change_feeds.items():
            if feed_kind is not kind:
                continue
            read = await connector.read_changes(feed, cursors.get(feed), start=START)
            found.extend(read.changes)
            cursors[feed] = read.cursor
    finally:
        await connector.aclose()
    return found


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_payment_recorded_in_the_package_is_read_back_with_its_allocation(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    cursors: dict[str, str] = {}
    before = await read_all(side, ChangeKind.PAYMENT, cursors)
    ours = side.linked(RecordKind.CUSTOMER_PAYMENT, "P-1")  # sent by ledgerlink: it is read back too
    assert [c.package_id for c in before if isinstance(c, PaymentChange)] == [ours]

    payment_id = await side.pays("J-1", "50.00")
    found = [
        c
        for c in await read_all(side, ChangeKind.PAYMENT, cursors)
        if isinstance(c, PaymentChange) and c.package_id != ours
    ]

    assert [(c.package_id, c.document_type, c.amount) for c in found] == [
        (payment_id, DocumentType.CUSTOMER_RECEIPT, Decimal("50.00"))
    ]
    assert found[0].contact_id == side.linked(RecordKind.CUSTOMER, "C1")
    assert found[0].bank_account_id == side.bank_account()
    assert [(a.document_id, a.amount) for a in found[0].allocations] == [
        (side.linked(RecordKind.INVOICE, "J-1"), Decimal("50.00"))
    ]
    side.store.close()


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_deleted_payment_and_a_voided_invoice_are_read_back(package: str, tmp_path: Path) -> None:
    side = await sent_books(package, tmp_path)
    payment_id = await side.pays("J-1", "20.00")
    cursors: dict[str, str] = {}
    await read_all(side, ChangeKind.PAYMENT, cursors)
    await read_all(side, ChangeKind.DOCUMENT, cursors)

    await side.deletes_payment(payment_id)
    await side.voids_invoice("J-1")
    payments = await read_all(side, ChangeKind.PAYMENT, cursors)
    documents = await read_all(side, ChangeKind.DOCUMENT, cursors)

    assert [c.package_id for c in payments if isinstance(c, Removal)] == [payment_id]
    voided = [c for c in documents if isinstance(c, DocumentChange) and c.voided]
    assert [c.package_id for c in voided] == [side.linked(RecordKind.INVOICE, "J-1")]
    side.store.close()
