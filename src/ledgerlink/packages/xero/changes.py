"""What changed in Xero since the last read: `If-Modified-Since` on Payments, Invoices and CreditNotes.

Xero does not say whether `If-Modified-Since` is inclusive, and stamps `UpdatedDateUTC` finer than the
header's second, so the next read starts a second before the newest stamp seen: what the overlap hands
back again is known by id and content to whoever applies it, and nothing stamped at the boundary is
skipped either way. A deleted payment stays listed with `Status` DELETED; a voided or deleted document
with its status; a credit note carries its allocations, each one a change of its own, and is a
document change of its own too (Xero's Invoices hold no credit notes, so a voided one shows here).

An allocation removed from a credit note (`DELETE /CreditNotes/{id}/Allocations/{AllocationID}`) is
not listed anywhere of its own: Xero stamps the credit note (and its invoice) changed, and the credit
note then lists only the allocations left. So each credit note read also says which allocations it holds
now, and whoever applies it sees what went; one listed with `IsDeleted` is a removal outright.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from ledgerlink.packages.changes import (
    ChangeKind,
    ChangesRead,
    CreditAllocationChange,
    CreditAllocationsHeld,
    DocumentChange,
    PackageChange,
    PaymentChange,
    Removal,
)
from ledgerlink.packages.drafts import AllocationLine, DocumentType
from ledgerlink.packages.xero.mapping import money as xero_money
from ledgerlink.packages.xero.mapping import parse_xero_date

PAGE_SIZE = 100
OVERLAP = dt.timedelta(seconds=1)

FEEDS: dict[str, ChangeKind] = {
    "Payments": ChangeKind.PAYMENT,
    "CreditNotes": ChangeKind.CREDIT_ALLOCATION,
    "Invoices": ChangeKind.DOCUMENT,
}
DOCUMENT_TYPES: dict[str, DocumentType] = {
    "ACCREC": DocumentType.SALES_INVOICE,
    "ACCPAY": DocumentType.PURCHASE_INVOICE,
    "ACCRECCREDIT": DocumentType.SALES_CREDIT_NOTE,
    "ACCPAYCREDIT": DocumentType.PURCHASE_CREDIT_NOTE,
}
PAYMENT_TYPES: dict[str, DocumentType] = {
    "ACCRECPAYMENT": DocumentType.CUSTOMER_RECEIPT,
    "ARCREDITPAYMENT": DocumentType.CUSTOMER_REFUND,
    "ACCPAYPAYMENT": DocumentType.SUPPLIER_PAYMENT,
}
GONE = frozenset({"VOIDED", "DELETED"})

Get = Callable[[str, dict[str, Any], dict[str, str]], Awaitable[Any]]


def money(value: object) -> Decimal:
    """Xero's amount as pennies: 70.0 and 70.00 are one amount, and one change."""
    return xero_money(value).quantize(Decimal("0.01"))


def _when(value: object, fallback: dt.datetime) -> dt.datetime:
    return parse_xero_date(value) or fallback


def _day(value: object) -> dt.date:
    parsed = parse_xero_date(value)
    if parsed is None:
        raise ValueError(f"Xero sent a date that is not one: {value!r}")
    return parsed.date()


def header_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat(timespec="seconds")


def payment_change(item: Mapping[str, Any], read_at: dt.datetime) -> PackageChange | None:
    changed_at = _when(item.get("UpdatedDateUTC"), read_at)
    if item.get("Status") == "DELETED":
        return Removal(ChangeKind.PAYMENT, str(item["PaymentID"]), changed_at)
    document_type = PAYMENT_TYPES.get(str(item.get("PaymentType") or ""))
    document = item.get("Invoice") or item.get("CreditNote") or {}
    target_type = DOCUMENT_TYPES.get(str(document.get("Type") or ""))
    if document_type is None or target_type is None:
        return None  # a supplier refund or a prepayment: no record of ledgerlink's keeps those
    amount = money(item.get("Amount"))
    document_id = str(document.get("InvoiceID") or document.get("CreditNoteID") or "")
    return PaymentChange(
        package_id=str(item["PaymentID"]),
        document_type=document_type,
        contact_id=str((document.get("Contact") or {}).get("ContactID") or ""),
        bank_account_id=str((item.get("Account") or {}).get("AccountID") or ""),
        date=_day(item.get("Date")),
        amount=amount,
        changed_at=changed_at,
        reference=str(item.get("Reference") or ""),
        allocations=(AllocationLine(document_id, target_type, amount),),
    )


def credit_note_changes(item: Mapping[str, Any], read_at: dt.datetime) -> list[PackageChange]:
    changed_at = _when(item.get("UpdatedDateUTC"), read_at)
    purchase = item.get("Type") == "ACCPAYCREDIT"
    contact_id = str((item.get("Contact") or {}).get("ContactID") or "")
    listed = item.get("Allocations") or []
    removed: list[PackageChange] = [
        Removal(ChangeKind.CREDIT_ALLOCATION, str(allocation["AllocationID"]), changed_at)
        for allocation in listed
        if allocation.get("IsDeleted") and allocation.get("AllocationID")
    ]
    allocations = _allocations(item, listed, contact_id, changed_at, purchase)
    held = CreditAllocationsHeld(
        package_id=str(item["CreditNoteID"]),
        allocation_ids=tuple(sorted(allocation.package_id for allocation in allocations)),
        changed_at=changed_at,
        purchase=purchase,
    )
    # what it holds before what was added: one taken off and another made since are applied in turn;
    # a credit note read without its allocations (a summary) says nothing of which it holds
    return [*removed, *([held] if "Allocations" in item else []), *allocations]


def _allocations(
    item: Mapping[str, Any],
    listed: list[Mapping[str, Any]],
    contact_id: str,
    changed_at: dt.datetime,
    purchase: bool,
) -> list[CreditAllocationChange]:
    return [
        CreditAllocationChange(
            package_id=str(allocation.get("AllocationID") or f"{item['CreditNoteID']}:{invoice_id}"),
            contact_id=contact_id,
            credit_note_id=str(item["CreditNoteID"]),
            invoice_id=invoice_id,
            amount=money(allocation.get("Amount")),
            date=_day(allocation.get("Date") or item.get("Date")),
            changed_at=changed_at,
            purchase=purchase,
        )
        for allocation in listed
        if not allocation.get("IsDeleted")
        and (invoice_id := str((allocation.get("Invoice") or {}).get("InvoiceID") or ""))
    ]


def document_change(item: Mapping[str, Any], read_at: dt.datetime) -> DocumentChange | None:
    document_type = DOCUMENT_TYPES.get(str(item.get("Type") or ""))
    if document_type is None:
        return None
    status = str(item.get("Status") or "")
    return DocumentChange(
        package_id=str(item.get("InvoiceID") or item.get("CreditNoteID")),
        document_type=document_type,
        contact_id=str((item.get("Contact") or {}).get("ContactID") or ""),
        number=str(item.get("InvoiceNumber") or item.get("CreditNoteNumber") or ""),
        gross=money(item.get("Total")),
        status=status,
        voided=status in GONE,
        changed_at=_when(item.get("UpdatedDateUTC"), read_at),
    )


def feed_changes(feed: str, item: Mapping[str, Any], read_at: dt.datetime) -> list[PackageChange]:
    if feed == "Payments":
        found = payment_change(item, read_at)
        return [found] if found is not None else []
    if feed == "CreditNotes":
        document = document_change(item, read_at)
        return [*credit_note_changes(item, read_at), *([document] if document is not None else [])]
    document = document_change(item, read_at)
    return [document] if document is not None else []


async def read_changes(
    get: Get, feed: str, cursor: str | None, *, start: dt.datetime, now: dt.datetime
) -> ChangesRead:
    """One feed of `FEEDS` read to its last page from `cursor` (or `start`)."""
    if feed not in FEEDS:
        raise KeyError(feed)
    since = dt.datetime.fromisoformat(cursor).replace(tzinfo=dt.UTC) if cursor else start
    headers = {"If-Modified-Since": header_time(since)}
    changes: list[PackageChange] = []
    newest = since
    page = 1
    while True:
        body = await get(f"/{feed}", {"page": page, "pageSize": PAGE_SIZE}, headers)
        items = body.get(feed, [])
        for item in items:
            changes.extend(feed_changes(feed, item, now))
            newest = max(newest, _when(item.get("UpdatedDateUTC"), since) - OVERLAP)
        pagination = body.get("pagination") or {}
        if len(items) < PAGE_SIZE or page >= int(pagination.get("pageCount", page + 1)):
            break
        page += 1
    return ChangesRead(tuple(changes), header_time(newest))
