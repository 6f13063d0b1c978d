"""What the outbox keeps of a document as it was sent: the few facts a later change is compared against.

A record edited in the job system after it was sent is noticed by its version; the summary says what
changed in a bookkeeper's words, and for a document it keeps the lines exactly as sent, which is what a
credit note must mirror to cancel it.
"""

from __future__ import annotations

import json
from typing import Any

from ledgerlink.packages.drafts import DocumentDraft, Draft, PaymentDraft

# json.dumps(..., sort_keys=True) writes the same text, but makes an encoder for every summary
_ENCODE = json.JSONEncoder(sort_keys=True).encode


def sent_lines(draft: DocumentDraft) -> list[dict[str, str]]:
    """The lines as sent, kept with the entry so the credit note can mirror them exactly."""
    return [
        {
            "description": line.description,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "net": str(line.net),
            "vat": str(line.vat),
            "account_id": line.account_id,
            "account_code": line.account_code,
            "tax_rate_id": line.tax_rate_id,
        }
        for line in draft.lines
    ]


def sent_summary(draft: Draft) -> str:
    """The draft in the few words a later change is compared against, as JSON."""
    data: dict[str, Any] = {"type": draft.document_type.value}
    if isinstance(draft, DocumentDraft):
        data.update(
            number=draft.number, date=draft.date.isoformat(), gross=str(draft.gross), lines=len(draft.lines)
        )
        data["contact"] = draft.contact_id
        data["sent_lines"] = sent_lines(draft)
    elif isinstance(draft, PaymentDraft):
        data.update(date=draft.date.isoformat(), amount=str(draft.amount), reference=draft.reference)
    else:
        data.update({name: str(getattr(draft, name)) for name in ("name", "amount") if hasattr(draft, name)})
    return _ENCODE(data)


def describe_changes(before: str, after: str) -> str:
    """`number 101 -> 102; gross 120.00 -> 144.00`: what differs between two summaries."""
    old, new = json.loads(before or "{}"), json.loads(after)
    changes = [
        f"{name} {old.get(name, '')} -> {new[name]}"
        for name in sorted(new)
        if old.get(name) != new[name] and name != "sent_lines"
    ]
    return "; ".join(changes) or "details changed"
