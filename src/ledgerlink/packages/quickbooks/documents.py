"""Invoices, credit memos, bills and vendor credits: a draft to QuickBooks' JSON (sales lines sell
through an Item, every line carries its VAT code) and the totals QuickBooks answers with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerlink.packages.drafts import Created, DocumentDraft, DocumentType, PackageTotals
from ledgerlink.packages.quickbooks.values import Json, decimal, money, ref, split_party


@dataclass(frozen=True)
class DocumentKind:
    entity: str
    party: str  # the reference naming the customer or vendor
    line_detail: str


DOCUMENTS: dict[DocumentType, DocumentKind] = {
    DocumentType.SALES_INVOICE: DocumentKind("Invoice", "CustomerRef", "SalesItemLineDetail"),
    DocumentType.SALES_CREDIT_NOTE: DocumentKind("CreditMemo", "CustomerRef", "SalesItemLineDetail"),
    DocumentType.PURCHASE_INVOICE: DocumentKind("Bill", "VendorRef", "AccountBasedExpenseLineDetail"),
    DocumentType.PURCHASE_CREDIT_NOTE: DocumentKind(
        "VendorCredit", "VendorRef", "AccountBasedExpenseLineDetail"
    ),
}


def document_body(
    draft: DocumentDraft, items: Mapping[str, str], rates: Mapping[str, str] | None = None
) -> Json:
    """An invoice, credit memo, bill or vendor credit: a line per draft line, the VAT code on each
    (UK companies need it). QuickBooks works VAT per rate over the summed net, which can differ by a
    penny from the jobs side's per-line VAT: with `rates` (VAT code -> its rate) the document carries
    the jobs side's VAT per rate, so both sides agree on what is owed."""
    kind = DOCUMENTS[draft.document_type]
    lines: list[Json] = []
    for line in draft.lines:
        detail: Json = {"TaxCodeRef": ref(line.tax_rate_id)}
        if kind.line_detail == "SalesItemLineDetail":
            detail["ItemRef"] = ref(items[line.account_id])
            if money(line.quantity * line.unit_price) == money(line.net) and line.quantity:
                detail["Qty"] = float(line.quantity)
                detail["UnitPrice"] = float(line.unit_price)
        else:
            detail["AccountRef"] = ref(line.account_id)
        lines.append(
            {
                "DetailType": kind.line_detail,
                "Amount": money(line.net),
                "Description": line.description[:4000],
                kind.line_detail: detail,
            }
        )
    _, party = split_party(draft.contact_id)
    body: Json = {
        kind.party: ref(party),
        "TxnDate": draft.date.isoformat(),
        "GlobalTaxCalculation": "TaxExcluded",
        "Line": lines,
    }
    if rates:
        tax_lines: dict[str, tuple[Decimal, Decimal]] = {}
        for line in draft.lines:
            rate = rates.get(line.tax_rate_id)
            if rate:
                vat, net = tax_lines.get(rate, (Decimal(0), Decimal(0)))
                tax_lines[rate] = (vat + line.vat, net + line.net)
        body["TxnTaxDetail"] = {
            "TotalTax": money(sum((vat for vat, _ in tax_lines.values()), Decimal(0))),
            "TaxLine": [
                {
                    "Amount": money(vat),
                    "DetailType": "TaxLineDetail",
                    "TaxLineDetail": {
                        "TaxRateRef": ref(rate),
                        "PercentBased": True,
                        "NetAmountTaxable": money(net),
                    },
                }
                for rate, (vat, net) in tax_lines.items()
            ],
        }
    if draft.number:
        body["DocNumber"] = draft.number[:21]
    if draft.due_date is not None and kind.entity in ("Invoice", "Bill"):
        body["DueDate"] = draft.due_date.isoformat()
    if draft.credits_document_number:
        body["PrivateNote"] = f"Credits {draft.credits_document_number}"
    return body


def totals(item: Mapping[str, Any]) -> PackageTotals:
    gross = decimal(item.get("TotalAmt"))
    vat = decimal((item.get("TxnTaxDetail") or {}).get("TotalTax"))
    return PackageTotals(net=gross - vat, vat=vat, gross=gross)


def created_document(draft: DocumentDraft, item: Mapping[str, Any]) -> Created:
    """The document as QuickBooks holds it; a penny of VAT rounding (per rate, not per line) is said."""
    figures = totals(item)
    warnings: tuple[str, ...] = ()
    if figures.gross != draft.gross:
        warnings = (
            f"QuickBooks totals {figures.gross} (VAT {figures.vat}) where the job says {draft.gross} (VAT {draft.vat})",
        )
    return Created(
        draft.key, str(item["Id"]), number=str(item.get("DocNumber") or ""), totals=figures, warnings=warnings
    )
