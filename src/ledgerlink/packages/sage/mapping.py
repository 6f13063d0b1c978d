"""Drafts to Sage v3.1 JSON and Sage's replies back to the port's types; pure functions, no I/O.

Every figure is sent as Sage wants it (a JSON number of pennies precision, per line: net, tax and
total), and every figure Sage sends back is read into Decimal through its text, never through float
arithmetic.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledgerlink.domain.money import to_pennies
from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address
from ledgerlink.errors import Problem, Rejected
from ledgerlink.packages.drafts import (
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    LedgerAccountDraft,
    LineDraft,
    PackageTotals,
    PaymentDraft,
    fitted_reference,
)
from ledgerlink.packages.holdings import AccountClass, BankAccount, LedgerAccount, TaxRate
from ledgerlink.packages.sage.chart import shipped_heading

Json = dict[str, Any]

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_NAMESPACE = uuid.UUID("0f5b2a8e-4c1d-5e7a-9b3c-2d4e6f8a0b1c")


def idempotency_id(key: str) -> str:
    """Sage wants a 32-character hyphenless GUID: the key itself when it is one, else one derived from it."""
    if _HEX32.match(key):
        return key
    return uuid.uuid5(_NAMESPACE, key).hex


def money(value: Decimal) -> float:
    """A penny-exact amount as the JSON number Sage expects (two places survive a float exactly)."""
    return float(to_pennies(value))


def quantity(value: Decimal) -> float:
    return float(value)


def decimal(value: Any) -> Decimal:
    """Sage's JSON number, read through its text so 0.1 stays 0.1."""
    if value is None or value == "":
        return Decimal("0.00")
    return Decimal(str(value))


def _clean(body: Mapping[str, Any]) -> Json:
    """Leave out empty values: Sage validates what is sent, and an empty string is not 'absent'."""
    return {key: value for key, value in body.items() if value not in ("", None, {}, [])}


# --- contacts --------------------------------------------------------------------------------------

# Where each part of a contact is read from: dotted paths into Sage's contact, the first that holds a
# value winning. The import's field table is made from these, so it shows what is read.
CONTACT_ID = "id"
CONTACT_TYPES = "contact_types"
CUSTOMER_TYPE = "CUSTOMER"
SUPPLIER_TYPE = "VENDOR"
ACTIVE_FLAG = "is_active"
CONTACT_PATHS: dict[str, tuple[str, ...]] = {
    "name": ("name", "displayed_as"),
    "reference": ("reference",),
    "contact_person": ("main_contact_person.name",),
    "email": ("email", "main_contact_person.email"),
    "phone": ("main_contact_person.telephone",),
    "mobile": ("main_contact_person.mobile",),
    "line1": ("main_address.address_line_1",),
    "line2": ("main_address.address_line_2",),  # our second and third lines, joined by ", "
    "town": ("main_address.city",),
    "county": ("main_address.region",),
    "postcode": ("main_address.postal_code",),
    "country": ("main_address.country.id",),  # written as `country_id`, read back as a link
    "vat_number": ("tax_number",),
}


def address_body(address: Address) -> Json:
    return _clean(
        {
            "address_line_1": address.line1,
            "address_line_2": ", ".join(part for part in (address.line2, address.line3) if part),
            "city": address.town,
            "region": address.county,
            "postal_code": address.postcode,
            "country_id": address.country.upper() if address.line1 or address.postcode else "",
        }
    )


def contact_fields(draft: ContactDraft) -> Json:
    person_name = " ".join(part for part in (draft.first_name, draft.last_name) if part)
    person = _clean(
        {
            "name": person_name or (draft.name if draft.is_company is False else ""),
            "email": draft.email,
            "telephone": draft.phone,
            "mobile": draft.mobile,
        }
    )
    default_account = (
        "default_sales_ledger_account_id"
        if draft.role == "customer"
        else "default_purchase_ledger_account_id"
    )
    return _clean(
        {
            "name": draft.name,
            "contact_type_ids": [CUSTOMER_TYPE if draft.role == "customer" else SUPPLIER_TYPE],
            "reference": contact_reference(draft),
            "tax_number": draft.vat_number,
            "main_address": address_body(draft.address),
            "main_contact_person": person if set(person) - {"name"} else {},
            default_account: draft.default_account_id,
        }
    )


CONTACT_REFERENCE_LENGTH = 10  # Sage refuses a longer contact reference ("is too long")


def contact_reference(draft: ContactDraft) -> str:
    """The contact's reference as Sage will keep it: fitted to its ten characters before sending."""
    return fitted_reference(draft.reference, CONTACT_REFERENCE_LENGTH)


def contact_create(draft: ContactDraft) -> Json:
    return {"contact": {**contact_fields(draft), "idempotency_id": idempotency_id(draft.key)}}


def contact_update(draft: ContactDraft) -> Json:
    """The details as they are now; the contact's types stay as Sage holds them (a contact linked as a
    customer may be a supplier too)."""
    fields = contact_fields(draft)
    fields.pop("contact_type_ids", None)
    return {"contact": fields}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _read(item: Mapping[str, Any], part: str) -> str:
    for path in CONTACT_PATHS[part]:
        value: Any = item
        for key in path.split("."):
            value = value.get(key) if isinstance(value, Mapping) else None
        if value:
            return str(value)
    return ""


def contact_from_sage(item: Mapping[str, Any]) -> PackageContact:
    types = {str(t.get("id", "")) for t in item.get(CONTACT_TYPES) or []}
    line2, _, line3 = _read(item, "line2").partition(", ")
    return PackageContact(
        id=str(item[CONTACT_ID]),
        name=_read(item, "name"),
        reference=_read(item, "reference"),
        is_customer=CUSTOMER_TYPE in types,
        is_supplier=SUPPLIER_TYPE in types,
        contact_person=_read(item, "contact_person"),
        email=_read(item, "email"),
        phone=_read(item, "phone"),
        mobile=_read(item, "mobile"),
        address=Address(
            line1=_read(item, "line1"),
            line2=line2,
            line3=line3,
            town=_read(item, "town"),
            county=_read(item, "county"),
            postcode=_read(item, "postcode"),
            country=_read(item, "country") or "GB",
        ),
        vat_number=_read(item, "vat_number"),
        active=bool(item.get(ACTIVE_FLAG, True)),
        updated_at=_timestamp(item.get("updated_at")),
        raw=dict(item),
    )


# --- reference lists -------------------------------------------------------------------------------

ACCOUNT_CLASSES: dict[str, AccountClass] = {
    "SALES": AccountClass.INCOME,
    "OTHER_INCOME": AccountClass.OTHER_INCOME,
    "DIRECT_EXPENSES": AccountClass.COST_OF_SALES,
    "OVERHEADS": AccountClass.EXPENSE,
    "DEPRECIATION": AccountClass.EXPENSE,
    "BANK": AccountClass.BANK,
    "CASH_IN_HAND": AccountClass.BANK,
    "CURRENT_ASSETS": AccountClass.ASSET,
    "FIXED_ASSETS": AccountClass.ASSET,
    "FUTURE_ASSETS": AccountClass.ASSET,
    "CURRENT_LIABILITY": AccountClass.LIABILITY,
    "FUTURE_LIABILITY": AccountClass.LIABILITY,
    "LT_LIABILITY": AccountClass.LIABILITY,
    "EQUITY": AccountClass.EQUITY,
}

EXEMPT_OR_OUTSIDE = frozenset({"GB_EXEMPT", "GB_NO_TAX", "IE_EXEMPT", "IE_NO_TAX"})


# the type a new ledger account of each class is made with
ACCOUNT_TYPES: dict[AccountClass, str] = {
    AccountClass.INCOME: "SALES",
    AccountClass.OTHER_INCOME: "OTHER_INCOME",
    AccountClass.COST_OF_SALES: "DIRECT_EXPENSES",
    AccountClass.EXPENSE: "OVERHEADS",
}


def ledger_account_create(draft: LedgerAccountDraft) -> Json:
    """`POST /ledger_accounts`: Sage's nominal codes are whole numbers, its types ids of its own."""
    if not draft.code.isdigit():
        raise Rejected(
            [Problem(f"Sage's nominal codes are numbers: {draft.code!r} is not one", "nominal_code")]
        )
    body: Json = {
        "ledger_account_type_id": ACCOUNT_TYPES[draft.account_class],
        "included_in_chart": True,
        "name": draft.name,
        "display_name": draft.name,
        "nominal_code": int(draft.code),
    }
    if draft.tax_rate_id:
        body["tax_rate_id"] = draft.tax_rate_id
    return {"ledger_account": body}


def ledger_account_from_sage(item: Mapping[str, Any]) -> LedgerAccount:
    account_type = item.get("ledger_account_type") or {}
    type_id = _text(account_type.get("id"))
    tax_rate = item.get("tax_rate") or {}
    code, name = _text(item.get("nominal_code")), _text(item.get("name") or item.get("displayed_as"))
    return LedgerAccount(
        id=str(item["id"]),
        code=code,
        name=name,
        account_class=ACCOUNT_CLASSES.get(type_id, AccountClass.OTHER),
        active=bool(item.get("included_in_chart", True)),
        package_type=_text(account_type.get("displayed_as") or type_id),
        default_tax_rate_id=_text(tax_rate.get("id")),
        heading=shipped_heading(code, name),
    )


def bank_account_from_sage(item: Mapping[str, Any]) -> BankAccount:
    details = item.get("bank_account_details") or {}
    ledger = item.get("ledger_account") or {}
    return BankAccount(
        id=str(item["id"]),
        name=_text(details.get("account_name") or item.get("displayed_as")),
        code=_text(item.get("nominal_code")),
        active=bool(item.get("is_active", True)),
        ledger_account_id=_text(ledger.get("id")),
    )


def tax_rate_from_sage(item: Mapping[str, Any]) -> TaxRate:
    rate_id = str(item["id"])
    return TaxRate(
        id=rate_id,
        name=_text(item.get("name") or item.get("displayed_as")),
        percent=decimal(item.get("percentage")),
        active=bool(item.get("is_visible", True)),
        exempt_or_outside=rate_id in EXEMPT_OR_OUTSIDE,
    )


# --- documents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where a document type lives in Sage and how its body is named."""

    path: str
    root: str
    lines_key: str
    purchase: bool


ENDPOINTS: dict[DocumentType, Endpoint] = {
    DocumentType.SALES_INVOICE: Endpoint("/sales_invoices", "sales_invoice", "invoice_lines", False),
    DocumentType.SALES_CREDIT_NOTE: Endpoint(
        "/sales_credit_notes", "sales_credit_note", "credit_note_lines", False
    ),
    DocumentType.PURCHASE_INVOICE: Endpoint("/purchase_invoices", "purchase_invoice", "invoice_lines", True),
    DocumentType.PURCHASE_CREDIT_NOTE: Endpoint(
        "/purchase_credit_notes", "purchase_credit_note", "credit_note_lines", True
    ),
}
CREDIT_NOTE_TYPES = frozenset({DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE})


def line_body(line: LineDraft) -> Json:
    return {
        "description": line.description,
        "ledger_account_id": line.account_id,
        "tax_rate_id": line.tax_rate_id,
        "quantity": quantity(line.quantity),
        "unit_price": float(line.unit_price),
        "net_amount": money(line.net),
        "tax_amount": money(line.vat),
        "total_amount": money(line.gross),
    }


def document_fields(draft: DocumentDraft) -> Json:
    endpoint = ENDPOINTS[draft.document_type]
    fields: Json = {
        "contact_id": draft.contact_id,
        "date": draft.date.isoformat(),
        "reference": draft.number,
        endpoint.lines_key: [line_body(line) for line in draft.lines],
    }
    is_credit = draft.document_type in CREDIT_NOTE_TYPES
    if not is_credit:
        # Sage insists on a purchase invoice's due date; an invoice without one is due on its date.
        due = draft.due_date or (draft.date if endpoint.purchase else None)
        if due is not None:
            fields["due_date"] = due.isoformat()
    if endpoint.purchase:
        fields["vendor_reference"] = draft.number
    if is_credit and draft.credits_document_number:
        # Sage's credit note has no field naming its invoice (the allocation links them): the notes say
        # which, in the invoice's own number, and the invoice's date goes where Sage keeps it
        fields["notes"] = f"Credits invoice {draft.credits_document_number}"
        if draft.credits_document_date is not None:
            fields["original_invoice_date"] = draft.credits_document_date.isoformat()
    return fields


def document_create(draft: DocumentDraft) -> Json:
    root = ENDPOINTS[draft.document_type].root
    return {root: {**document_fields(draft), "idempotency_id": idempotency_id(draft.key)}}


def document_update(draft: DocumentDraft) -> Json:
    return {ENDPOINTS[draft.document_type].root: document_fields(draft)}


def totals_from_sage(item: Mapping[str, Any]) -> PackageTotals:
    return PackageTotals(
        net=decimal(item.get("net_amount")),
        vat=decimal(item.get("tax_amount")),
        gross=decimal(item.get("total_amount")),
    )


def created_document(key: str, item: Mapping[str, Any]) -> Created:
    status = item.get("status") or {}
    return Created(
        key=key,
        package_id=str(item["id"]),
        number=_text(
            item.get("invoice_number") or item.get("credit_note_number") or item.get("displayed_as")
        ),
        totals=totals_from_sage(item),
        status=_text(status.get("id")),
    )


# --- payments and allocations ----------------------------------------------------------------------

PAYMENT_TYPES: dict[DocumentType, str] = {
    DocumentType.CUSTOMER_RECEIPT: "CUSTOMER_RECEIPT",
    DocumentType.CUSTOMER_REFUND: "CUSTOMER_REFUND",
    DocumentType.SUPPLIER_PAYMENT: "VENDOR_PAYMENT",
    DocumentType.SUPPLIER_REFUND: "VENDOR_REFUND",
}


def payment_create(draft: PaymentDraft) -> Json:
    body: Json = {
        "transaction_type_id": PAYMENT_TYPES[draft.document_type],
        "contact_id": draft.contact_id,
        "bank_account_id": draft.bank_account_id,
        "date": draft.date.isoformat(),
        "total_amount": money(draft.amount),
        "idempotency_id": idempotency_id(draft.key),
    }
    if draft.reference:
        body["reference"] = draft.reference
    if draft.allocations:
        body["allocated_artefacts"] = [
            {"artefact_id": line.document_id, "amount": money(line.amount)} for line in draft.allocations
        ]
    remainder = draft.on_account
    if remainder > 0:
        body["payment_on_account"] = {"total_amount": money(remainder)}
    return {"contact_payment": body}


def allocation_create(draft: CreditAllocationDraft) -> Json:
    return {
        "contact_allocation": {
            "transaction_type_id": "VENDOR_ALLOCATION" if draft.purchase else "CUSTOMER_ALLOCATION",
            "contact_id": draft.contact_id,
            "date": draft.date.isoformat(),
            "allocated_artefacts": [
                {"artefact_id": draft.invoice_id, "amount": money(draft.amount)},
                {"artefact_id": draft.credit_note_id, "amount": money(-draft.amount)},
            ],
            "idempotency_id": idempotency_id(draft.key),
        }
    }


def created_payment(key: str, item: Mapping[str, Any]) -> Created:
    total = decimal(item.get("total_amount"))
    related = tuple(
        str((allocated.get("artefact") or {}).get("id", ""))
        for allocated in item.get("allocated_artefacts") or []
        if (allocated.get("artefact") or {}).get("id")
    )
    return Created(
        key=key,
        package_id=str(item["id"]),
        number=_text(item.get("reference")),
        totals=PackageTotals(net=total, vat=Decimal("0.00"), gross=total),
        related_ids=related,
    )
