"""The port's drafts in Tryton's terms, and Tryton's records in the port's: pure functions, no calls.

Tryton has no idempotency key, so each record ledgerlink creates carries its draft's key where Tryton
lets it be searched (`TAG`): a party's code, an invoice's description, a move's description. A replay
after a lost reply then finds the record instead of making a second one.

Tryton has no credit-note type: a credit note is an invoice whose lines have negative quantities. Money
against a document is a posted move whose line on the party's receivable or payable account is added to
the document's payment lines; the lines are reconciled once the document is settled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address
from ledgerlink.packages.drafts import (
    ContactDraft,
    DocumentDraft,
    DocumentType,
    LineDraft,
    PackageTotals,
    PaymentDraft,
)
from ledgerlink.packages.holdings import AccountClass, LedgerAccount, TaxRate

ZERO = Decimal("0.00")
# the account type `bootstrap.py` gives the costs of the work itself (materials, subcontractors), as UK
# charts keep them apart from overheads: the cost of sales
DIRECT_EXPENSES = "Direct Expenses"
PRICE_DIGITS = 4  # Tryton keeps unit prices to four places

INVOICE_TYPES: dict[DocumentType, str] = {
    DocumentType.SALES_INVOICE: "out",
    DocumentType.SALES_CREDIT_NOTE: "out",
    DocumentType.PURCHASE_INVOICE: "in",
    DocumentType.PURCHASE_CREDIT_NOTE: "in",
}
CREDIT_NOTES = frozenset({DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE})
PURCHASES = frozenset(
    {DocumentType.PURCHASE_INVOICE, DocumentType.PURCHASE_CREDIT_NOTE, DocumentType.SUPPLIER_PAYMENT}
)


def tag(key: str) -> str:
    """What a record's searchable field holds so that its draft's key finds it again."""
    return f"ledgerlink:{key}"


OPENING_PREFIX = "move-"  # an opening item's package id is its move's, told apart from an invoice's


def opening_document_id(move: int) -> str:
    return f"{OPENING_PREFIX}{move}"


def opening_move(document: str) -> int | None:
    """The opening move a document id stands for, or None for an invoice's id."""
    return int(document.removeprefix(OPENING_PREFIX)) if document.startswith(OPENING_PREFIX) else None


def against(document: str) -> str:
    """What a party line settling an opening item says, so the lines settling it are found again."""
    return f"[against {document}]"


def settling(description: str, document: str) -> str:
    """A party line's description; one settling an opening item carries its mark."""
    return f"{description} {against(document)}" if opening_move(document) is not None else description


def party_code(role: str, source_id: str) -> str:
    return f"{'C' if role == 'customer' else 'S'}-{source_id}"


def party_create(draft: ContactDraft) -> dict[str, Any]:
    mechanisms = [
        {"type": kind, "value": value}
        for kind, value in (("email", draft.email), ("phone", draft.phone), ("mobile", draft.mobile))
        if value
    ]
    address = draft.address
    return {
        "name": draft.name,
        "code": party_code(draft.role, draft.source_id),
        "addresses": [
            [
                "create",
                [
                    {
                        "street_unstructured": "\n".join(address.lines),
                        "city": address.town,
                        "postal_code": address.postcode,
                    }
                ],
            ]
        ],
        "contact_mechanisms": [["create", mechanisms]] if mechanisms else [],
    }


def contact_from_party(row: dict[str, Any], addresses: dict[int, dict[str, Any]]) -> PackageContact:
    code = str(row.get("code") or "")
    address_ids = row.get("addresses") or []
    first = addresses.get(int(address_ids[0])) if address_ids else None
    lines = str((first or {}).get("street_unstructured") or "").splitlines()
    return PackageContact(
        id=str(row["id"]),
        name=str(row.get("name") or ""),
        reference=code,
        # Tryton's parties have no roles: one ledgerlink made says which it is, any other may be either
        is_customer=not code.startswith("S-"),
        is_supplier=not code.startswith("C-"),
        email=str(row.get("email") or ""),
        phone=str(row.get("phone") or ""),
        mobile=str(row.get("mobile") or ""),
        address=Address(
            line1=lines[0] if lines else "",
            line2=lines[1] if len(lines) > 1 else "",
            town=str((first or {}).get("city") or ""),
            postcode=str((first or {}).get("postal_code") or ""),
        ),
        active=bool(row.get("active", True)),
        raw=row,
    )


def quantity_and_price(line: LineDraft) -> tuple[Decimal, Decimal]:
    """The line as Tryton will compute the same net: its own quantity and price when they give it
    exactly, else one of the net (Tryton rounds half to even, the job system half up)."""
    exact_price = line.unit_price == line.unit_price.quantize(Decimal(1).scaleb(-PRICE_DIGITS))
    if exact_price and line.quantity * line.unit_price == line.net:
        return line.quantity, line.unit_price
    return Decimal(1), line.net


def invoice_line(line: LineDraft, sign: int, currency: int, company: int) -> dict[str, Any]:
    quantity, unit_price = quantity_and_price(line)
    return {
        "type": "line",
        "description": line.description or "-",
        "quantity": quantity * sign,
        "unit_price": unit_price,
        "account": int(line.account_id),
        "taxes": [["add", [int(line.tax_rate_id)]]] if line.tax_rate_id else [],
        "currency": currency,
        "company": company,
    }


def invoice_create(
    draft: DocumentDraft, *, address: int, account: int, journal: int, currency: int, company: int
) -> dict[str, Any]:
    sign = -1 if draft.document_type in CREDIT_NOTES else 1
    return {
        "type": INVOICE_TYPES[draft.document_type],
        "party": int(draft.contact_id),
        "invoice_address": address,
        "account": account,
        "journal": journal,
        "currency": currency,
        "company": company,
        "invoice_date": draft.date,
        "accounting_date": draft.date,
        "reference": draft.number,
        "description": tag(draft.key),
        "lines": [["create", [invoice_line(line, sign, currency, company) for line in draft.lines]]],
    }


def vat_by_tax(draft: DocumentDraft) -> dict[int, Decimal]:
    """What the job system charged under each tax, signed as Tryton signs the document."""
    sign = -1 if draft.document_type in CREDIT_NOTES else 1
    found: dict[int, Decimal] = {}
    for line in draft.lines:
        if line.tax_rate_id:
            found[int(line.tax_rate_id)] = found.get(int(line.tax_rate_id), ZERO) + line.vat * sign
    return found


def totals(row: dict[str, Any]) -> PackageTotals:
    """An invoice's totals as the port states them: a credit note's as positive figures."""
    untaxed, tax, total = (
        Decimal(str(row[name])) for name in ("untaxed_amount", "tax_amount", "total_amount")
    )
    if total < 0:
        untaxed, tax, total = -untaxed, -tax, -total
    return PackageTotals(net=untaxed, vat=tax, gross=total)


def payment_side(document_type: DocumentType) -> int:
    """+1 where the document's line to pay is a credit (so the line paying it is a debit), -1 where it is
    a debit: a customer invoice is paid by a credit on receivable, a supplier invoice by a debit."""
    if document_type in (DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_INVOICE):
        return 1
    return -1


def on_account_side(document_type: DocumentType) -> int:
    """The side of the party's line for money not set against any document."""
    return -1 if document_type is DocumentType.CUSTOMER_RECEIPT else 1


def signed(line: dict[str, Any]) -> Decimal:
    """A move line's debit less its credit."""
    return Decimal(str(line.get("debit") or 0)) - Decimal(str(line.get("credit") or 0))


def amounts(signed: Decimal) -> dict[str, Decimal]:
    return {"debit": signed if signed > 0 else ZERO, "credit": -signed if signed < 0 else ZERO}


def payment_lines(draft: PaymentDraft, *, party_account: int, description: str) -> list[dict[str, Any]]:
    """The move's lines: one per document settled, one for what is left on account, then the bank."""
    party = int(draft.contact_id)
    lines: list[dict[str, Any]] = [
        {
            "account": party_account,
            "party": party,
            "description": settling(description, allocation.document_id),
            **amounts(allocation.amount * payment_side(allocation.document_type)),
        }
        for allocation in draft.allocations
    ]
    if draft.on_account:
        lines.append(
            {
                "account": party_account,
                "party": party,
                "description": description,
                **amounts(draft.on_account * on_account_side(draft.document_type)),
            }
        )
    party_total = sum((Decimal(line["debit"]) - Decimal(line["credit"]) for line in lines), ZERO)
    lines.append({"account": int(draft.bank_account_id), "description": description, **amounts(-party_total)})
    return lines


def ledger_account(row: dict[str, Any], kind: dict[str, Any], banks: set[int]) -> LedgerAccount:
    account_id = int(row["id"])
    if account_id in banks:
        account_class = AccountClass.BANK
    elif kind.get("revenue"):
        account_class = AccountClass.INCOME
    elif kind.get("expense"):
        direct = str(kind.get("name")) == DIRECT_EXPENSES
        account_class = AccountClass.COST_OF_SALES if direct else AccountClass.EXPENSE
    elif kind.get("receivable") or kind.get("assets"):
        account_class = AccountClass.ASSET
    elif kind.get("payable"):
        account_class = AccountClass.LIABILITY
    elif kind.get("statement") == "balance" and str(kind.get("name")) == "Equity":
        account_class = AccountClass.EQUITY
    else:
        account_class = AccountClass.LIABILITY if kind.get("statement") == "balance" else AccountClass.OTHER
    return LedgerAccount(
        id=str(account_id),
        code=str(row.get("code") or ""),
        name=str(row.get("name") or ""),
        account_class=account_class,
        active=not row.get("closed", False),
        package_type=str(kind.get("name") or ""),
    )


def tax_rate(row: dict[str, Any], kinds: dict[int, str]) -> TaxRate:
    kind = kinds.get(int(row["group"])) if row.get("group") else None
    usages: frozenset[Any] = (
        frozenset({"sales"})
        if kind == "sale"
        else frozenset({"purchase"})
        if kind == "purchase"
        else frozenset({"sales", "purchase"})
    )
    return TaxRate(
        id=str(row["id"]),
        name=str(row.get("name") or ""),
        percent=(Decimal(str(row.get("rate") or 0)) * 100).quantize(Decimal("0.01")),
        active=bool(row.get("active", True)),
        usages=usages,
        exempt_or_outside="exempt" in str(row.get("description") or "").lower(),
    )
