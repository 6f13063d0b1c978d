"""What changed in Sage since the last read: `updated_or_created_since` and `deleted_since` on payments,
allocations and documents.

Sage's `updated_or_created_since` is inclusive, so the next read starts at the newest `updated_at` seen
and hands back the records stamped with it again (whoever applies them knows them by id and content).
`deleted_since` is exclusive and stamps to the second, so a deletion in the very second of the cursor
would be skipped: each read asks from a second before its cursor, and hands back what it already read
rather than skip what it did not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any

from ledgerlink.packages.changes import (
    ChangeKind,
    ChangesRead,
    CreditAllocationChange,
    DocumentChange,
    PackageChange,
    PaymentChange,
    Removal,
)
from ledgerlink.packages.drafts import AllocationLine, DocumentType
from ledgerlink.packages.sage.client import SageClient
from ledgerlink.packages.sage.mapping import decimal

PENNY = Decimal("0.01")

DELETION_OVERLAP = dt.timedelta(seconds=1)
DELETED = ":deleted"

PAYMENT_TYPES: dict[str, DocumentType] = {
    "CUSTOMER_RECEIPT": DocumentType.CUSTOMER_RECEIPT,
    "CUSTOMER_REFUND": DocumentType.CUSTOMER_REFUND,
    "VENDOR_PAYMENT": DocumentType.SUPPLIER_PAYMENT,
}
ARTEFACT_TYPES: dict[str, DocumentType] = {
    "sales_invoices": DocumentType.SALES_INVOICE,
    "sales_credit_notes": DocumentType.SALES_CREDIT_NOTE,
    "purchase_invoices": DocumentType.PURCHASE_INVOICE,
    "purchase_credit_notes": DocumentType.PURCHASE_CREDIT_NOTE,
}
CREDITS = (DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE)

_RESOURCES: dict[str, ChangeKind] = {
    "contact_payments": ChangeKind.PAYMENT,
    "contact_allocations": ChangeKind.CREDIT_ALLOCATION,
    **dict.fromkeys(ARTEFACT_TYPES, ChangeKind.DOCUMENT),
}
FEEDS: dict[str, ChangeKind] = {
    **_RESOURCES,
    **{resource + DELETED: kind for resource, kind in _RESOURCES.items()},
}


def _money(value: Any) -> Decimal:
    """Sage's JSON number as pennies: 70.0 and 70.00 are one amount, and one change."""
    return decimal(value).quantize(PENNY)


def parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _artefact_type(line: Mapping[str, Any]) -> DocumentType | None:
    path = str((line.get("artefact") or {}).get("$path") or "")
    return ARTEFACT_TYPES.get(path.strip("/").split("/")[0])


def payment_change(item: Mapping[str, Any]) -> PaymentChange | None:
    """A contact payment read back; None for the kinds ledgerlink keeps no record of (vendor refunds)."""
    document_type = PAYMENT_TYPES.get(str((item.get("transaction_type") or {}).get("id")))
    if document_type is None:
        return None
    allocations = []
    for line in item.get("allocated_artefacts") or []:
        artefact_type = _artefact_type(line)
        if artefact_type is not None:
            artefact_id = str((line.get("artefact") or {}).get("id"))
            allocations.append(AllocationLine(artefact_id, artefact_type, abs(_money(line.get("amount")))))
    return PaymentChange(
        package_id=str(item["id"]),
        document_type=document_type,
        contact_id=str((item.get("contact") or {}).get("id") or ""),
        bank_account_id=str((item.get("bank_account") or {}).get("id") or ""),
        date=dt.date.fromisoformat(str(item["date"])),
        amount=_money(item.get("total_amount")),
        changed_at=parse_time(str(item["updated_at"])),
        reference=str(item.get("reference") or ""),
        allocations=tuple(allocations),
    )


def allocation_change(item: Mapping[str, Any]) -> CreditAllocationChange | None:
    """A credit note set against an invoice; None for any other allocation (payment against payment)."""
    credit = invoice = None
    for line in item.get("allocated_artefacts") or []:
        artefact_type = _artefact_type(line)
        if artefact_type in CREDITS:
            credit = (line, artefact_type)
        elif artefact_type is not None:
            invoice = line
    if credit is None or invoice is None:
        return None
    return CreditAllocationChange(
        package_id=str(item["id"]),
        contact_id=str((item.get("contact") or {}).get("id") or ""),
        credit_note_id=str(credit[0]["artefact"]["id"]),
        invoice_id=str(invoice["artefact"]["id"]),
        amount=abs(_money(invoice.get("amount"))),
        date=dt.date.fromisoformat(str(item["date"])),
        changed_at=parse_time(str(item["updated_at"])),
        purchase=credit[1] is DocumentType.PURCHASE_CREDIT_NOTE,
    )


def document_change(resource: str, item: Mapping[str, Any]) -> DocumentChange:
    status = str((item.get("status") or {}).get("id") or "")
    return DocumentChange(
        package_id=str(item["id"]),
        document_type=ARTEFACT_TYPES[resource],
        contact_id=str((item.get("contact") or {}).get("id") or ""),
        number=str(item.get("reference") or item.get("vendor_reference") or item.get("displayed_as") or ""),
        gross=_money(item.get("total_amount")),
        status=status,
        voided=status == "VOID",
        changed_at=parse_time(str(item["updated_at"])),
    )


def _change(resource: str, item: Mapping[str, Any]) -> PackageChange | None:
    if resource == "contact_payments":
        return payment_change(item)
    if resource == "contact_allocations":
        return allocation_change(item)
    return document_change(resource, item)


async def read_changes(
    client: SageClient, feed: str, cursor: str | None, *, start: dt.datetime
) -> ChangesRead:
    """One feed of `FEEDS` read to its end from `cursor` (or `start`)."""
    kind = FEEDS[feed]
    since = parse_time(cursor) if cursor else start
    resource, deleted, _ = feed.partition(DELETED)
    changes: list[PackageChange] = []
    newest = since
    if deleted:
        bound = _text(since - DELETION_OVERLAP)
        items: AsyncIterator[Any] = client.items(f"/{resource}", {"deleted_since": bound})
        async for item in items:
            when = parse_time(str(item.get("deleted_at") or _text(since)))
            changes.append(Removal(kind, str(item["id"]), when))
            newest = max(newest, when)
        return ChangesRead(tuple(changes), _text(newest))
    async for item in client.items(f"/{resource}", {"updated_or_created_since": _text(since)}):
        change = _change(resource, item)
        if change is not None:
            changes.append(change)
        newest = max(newest, parse_time(str(item["updated_at"])))
    return ChangesRead(tuple(changes), _text(newest))
