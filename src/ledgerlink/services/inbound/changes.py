"""A change read from the package, as kept in the store and read back: plain JSON with its type named.

Its fingerprint is a digest of what it says, without when it was stamped: a payment read again
unchanged is the same change, and one whose amount or allocations moved is a new one. The allocations
a credit note holds are the exception: a credit note that holds the same ones again after holding
others (one removed, then put back) is news, so its stamp is part of what it says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from ledgerlink.packages.changes import (
    ChangeKind,
    CreditAllocationChange,
    CreditAllocationsHeld,
    DocumentChange,
    PackageChange,
    PaymentChange,
    Removal,
)
from ledgerlink.packages.drafts import AllocationLine, DocumentType
from ledgerlink.store.inbound import ChangeRead

_TYPES: dict[str, type[Any]] = {
    "payment": PaymentChange,
    "credit_allocation": CreditAllocationChange,
    "allocations_held": CreditAllocationsHeld,
    "document": DocumentChange,
    "removal": Removal,
}
_NAMES = {kind: name for name, kind in _TYPES.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value.value if hasattr(value, "value") else value


def to_json(change: PackageChange) -> dict[str, Any]:
    body: dict[str, Any] = _plain(change)
    return {"type": _NAMES[type(change)], **body}


def fingerprint(content: dict[str, Any]) -> str:
    stamped = content.get("type") == "allocations_held"
    said = {name: value for name, value in content.items() if stamped or name != "changed_at"}
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()


def to_read(change: PackageChange) -> ChangeRead:
    content = to_json(change)
    return ChangeRead(change.change_kind.value, change.package_id, fingerprint(content), content)


def from_json(content: dict[str, Any]) -> PackageChange:
    kind = content["type"]
    when = dt.datetime.fromisoformat(content["changed_at"])
    if kind == "removal":
        return Removal(ChangeKind(content["removed"]), content["package_id"], when)
    if kind == "payment":
        return PaymentChange(
            package_id=content["package_id"],
            document_type=DocumentType(content["document_type"]),
            contact_id=content["contact_id"],
            bank_account_id=content["bank_account_id"],
            date=dt.date.fromisoformat(content["date"]),
            amount=Decimal(content["amount"]),
            changed_at=when,
            reference=content["reference"],
            allocations=tuple(
                AllocationLine(a["document_id"], DocumentType(a["document_type"]), Decimal(a["amount"]))
                for a in content["allocations"]
            ),
        )
    if kind == "allocations_held":
        return CreditAllocationsHeld(
            package_id=content["package_id"],
            allocation_ids=tuple(content["allocation_ids"]),
            changed_at=when,
            purchase=bool(content["purchase"]),
        )
    if kind == "credit_allocation":
        return CreditAllocationChange(
            package_id=content["package_id"],
            contact_id=content["contact_id"],
            credit_note_id=content["credit_note_id"],
            invoice_id=content["invoice_id"],
            amount=Decimal(content["amount"]),
            date=dt.date.fromisoformat(content["date"]),
            changed_at=when,
            purchase=bool(content["purchase"]),
        )
    return DocumentChange(
        package_id=content["package_id"],
        document_type=DocumentType(content["document_type"]),
        contact_id=content["contact_id"],
        number=content["number"],
        gross=Decimal(content["gross"]),
        status=content["status"],
        voided=bool(content["voided"]),
        changed_at=when,
    )
