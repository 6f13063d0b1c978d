"""QuickBooks' own open invoices, bills, credit memos and supplier credits dated before a day: what a
document open at the cut-off is linked to on the side-by-side and package-first paths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ledgerlink.packages.drafts import DocumentType, OpenDocument
from ledgerlink.packages.quickbooks.documents import DOCUMENTS
from ledgerlink.packages.quickbooks.values import decimal, party_id


def before_clause(before: dt.date) -> str:
    return f"TxnDate < '{before.isoformat()}'"


def open_document(document_type: DocumentType, item: Mapping[str, Any]) -> OpenDocument | None:
    """The document as an open one, or None when nothing is left open on it (a credit memo keeps what
    is left in `RemainingCredit`, the others in `Balance`)."""
    kind = DOCUMENTS[document_type]
    left = decimal(item.get("RemainingCredit", item.get("Balance")))
    if left <= 0:
        return None
    party = str((item.get(kind.party) or {}).get("value") or "")
    return OpenDocument(
        package_id=str(item["Id"]),
        document_type=document_type,
        number=str(item.get("DocNumber") or ""),
        contact_id=party_id("Customer" if kind.party == "CustomerRef" else "Vendor", party),
        date=dt.date.fromisoformat(str(item["TxnDate"])[:10]),
        outstanding=left,
    )
