"""How Sage Accounting takes the documents open at the cut-off: its own contact opening balances.

Sage keeps the invoices and credit notes outstanding when a business moves to it as contact opening
balances (`/contact_opening_balances`): one a document, dated before its start date (the document's
own date, which keeps the aged debtors and creditors right), its number as the reference, for what is
still open. Sage posts them to its own opening balance accounts, with no VAT, and a payment is set
against one as against an invoice. A sales invoice cannot be put on a balance-sheet account in Sage,
so that mechanism is the only one, and no account mapping is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerlink.packages.drafts import Created, DocumentDraft, DocumentType, OpeningItems, PackageTotals
from ledgerlink.packages.sage.mapping import decimal, idempotency_id, money

OPENING_ITEMS = OpeningItems(
    how=(
        "Sage's own contact opening balances: one for each document, at its own date and number, "
        "for the amount still open, with no VAT"
    ),
)

PATH = "contact_opening_balances"
TRANSACTION_TYPES = {
    DocumentType.SALES_INVOICE: "CUSTOMER_OPENING_BALANCE_INVOICE",
    DocumentType.SALES_CREDIT_NOTE: "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE",
    DocumentType.PURCHASE_INVOICE: "VENDOR_OPENING_BALANCE_INVOICE",
    DocumentType.PURCHASE_CREDIT_NOTE: "VENDOR_OPENING_BALANCE_CREDIT_NOTE",
}
CREDITS = (DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE)


def opening_balance_body(draft: DocumentDraft) -> dict[str, Any]:
    """The contact opening balance standing for the draft's document (`draft.opening` is set)."""
    assert draft.opening is not None
    of = draft.opening
    amount = money(draft.gross)
    return {
        "contact_opening_balance": {
            "contact_opening_balance_type_id": "CREDIT_NOTE" if draft.document_type in CREDITS else "INVOICE",
            "transaction_type_id": TRANSACTION_TYPES[draft.document_type],
            "contact_id": draft.contact_id,
            "date": of.date.isoformat(),
            "reference": of.number[:25],
            "details": f"Open at {of.cut_off:%d/%m/%Y}: {draft.gross} of {of.gross}",
            "net_amount": amount,
            "tax_amount": 0.0,
            "total_amount": amount,
            "idempotency_id": idempotency_id(draft.key),
        }
    }


def created_opening_balance(key: str, item: Mapping[str, Any]) -> Created:
    return Created(
        key=key,
        package_id=str(item["id"]),
        number=str(item.get("reference") or ""),
        totals=PackageTotals(
            net=decimal(item.get("net_amount")),
            vat=decimal(item.get("tax_amount")),
            gross=decimal(item.get("total_amount")),
        ),
    )


def is_the_one(draft: DocumentDraft, item: Mapping[str, Any]) -> bool:
    """Whether a contact opening balance Sage holds is the one this draft makes (a look-up after a
    create whose outcome is unknown): the same contact, type, reference and amount."""
    assert draft.opening is not None
    return (
        str((item.get("contact") or {}).get("id") or "") == draft.contact_id
        and str((item.get("transaction_type") or {}).get("id") or "")
        == TRANSACTION_TYPES[draft.document_type]
        and str(item.get("reference") or "").strip() == draft.opening.number[:25].strip()
        and decimal(item.get("total_amount")) == draft.gross
    )
