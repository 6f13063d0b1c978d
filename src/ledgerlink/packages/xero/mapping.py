"""Drafts to Xero's JSON and Xero's replies back: the only place that knows Xero's field names."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ledgerlink.domain.records import Address
from ledgerlink.packages.base import (
    AccountClass,
    BankAccount,
    ContactDraft,
    DocumentDraft,
    DocumentType,
    LedgerAccount,
    PackageContact,
    PackageTotals,
    PaymentDraft,
    TaxRate,
)

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)/$")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

DOCUMENT_TYPES: dict[DocumentType, str] = {
    DocumentType.SALES_INVOICE: "ACCREC",
    DocumentType.PURCHASE_INVOICE: "ACCPAY",
    DocumentType.SALES_CREDIT_NOTE: "ACCRECCREDIT",
    DocumentType.PURCHASE_CREDIT_NOTE: "ACCPAYCREDIT",
}
CREDIT_NOTES = frozenset({DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE})
# Xero holds one ACCREC invoice and one ACCRECCREDIT credit note per number; bills may share numbers
NUMBERED_UNIQUELY = frozenset({DocumentType.SALES_INVOICE, DocumentType.SALES_CREDIT_NOTE})

ACCOUNT_CLASSES: dict[str, AccountClass] = {
    "REVENUE": AccountClass.INCOME,
    "SALES": AccountClass.INCOME,
    "OTHERINCOME": AccountClass.OTHER_INCOME,
    "DIRECTCOSTS": AccountClass.COST_OF_SALES,
    "EXPENSE": AccountClass.EXPENSE,
    "OVERHEADS": AccountClass.EXPENSE,
    "DEPRECIATN": AccountClass.EXPENSE,
    "BANK": AccountClass.BANK,
    "CURRENT": AccountClass.ASSET,
    "FIXED": AccountClass.ASSET,
    "INVENTORY": AccountClass.ASSET,
    "NONCURRENT": AccountClass.ASSET,
    "PREPAYMENT": AccountClass.ASSET,
    "CURRLIAB": AccountClass.LIABILITY,
    "LIABILITY": AccountClass.LIABILITY,
    "TERMLIAB": AccountClass.LIABILITY,
    "PAYG": AccountClass.LIABILITY,
    "EQUITY": AccountClass.EQUITY,
}
# which of a Xero rate's CanApplyTo* flags admits which of our account classes
APPLIES_TO_FLAGS: dict[str, tuple[AccountClass, ...]] = {
    "CanApplyToRevenue": (AccountClass.INCOME, AccountClass.OTHER_INCOME),
    "CanApplyToExpenses": (AccountClass.EXPENSE, AccountClass.COST_OF_SALES),
    "CanApplyToAssets": (AccountClass.ASSET, AccountClass.BANK),
    "CanApplyToLiabilities": (AccountClass.LIABILITY,),
    "CanApplyToEquity": (AccountClass.EQUITY,),
}
EXEMPT_REPORT_TYPES = frozenset({"EXEMPTOUTPUT", "EXEMPTINPUT", "EXEMPTEXPENSES", "NONE", "BASEXCLUDED"})


def parse_xero_date(value: object) -> dt.datetime | None:
    """Xero's `/Date(ms+zone)/` (negative epochs too) or an ISO string, as an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _MS_DATE.match(text)
    if match:
        return EPOCH + dt.timedelta(milliseconds=int(match.group(1)))
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def money(value: object) -> Decimal:
    """An amount from Xero's JSON (a number, or text) as an exact Decimal."""
    if value is None or value == "":
        return Decimal("0.00")
    return Decimal(str(value))


def wire(value: Any) -> Any:
    """A body ready for JSON: Decimals become numbers written with exactly their digits."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [wire(item) for item in value]
    return value


def batch_key(operation: str, keys: Sequence[str]) -> str:
    """The Idempotency-Key for one batch: the same drafts give the same key, any change a new one."""
    digest = hashlib.sha256("\n".join([operation, *keys]).encode()).hexdigest()
    return f"ledgerlink-{digest[:64]}"


# --- reading ---------------------------------------------------------------------------------------


def ledger_account(item: Mapping[str, Any]) -> LedgerAccount:
    kind = str(item.get("Type", ""))
    return LedgerAccount(
        id=str(item["AccountID"]),
        code=str(item.get("Code") or ""),
        name=str(item.get("Name") or ""),
        account_class=ACCOUNT_CLASSES.get(kind, AccountClass.OTHER),
        active=item.get("Status", "ACTIVE") == "ACTIVE",
        package_type=kind,
        default_tax_rate_id=str(item.get("TaxType") or ""),
    )


def bank_account(item: Mapping[str, Any]) -> BankAccount:
    return BankAccount(
        id=str(item["AccountID"]),
        name=str(item.get("Name") or ""),
        code=str(item.get("Code") or ""),
        active=item.get("Status", "ACTIVE") == "ACTIVE",
        ledger_account_id=str(item["AccountID"]),
    )


def is_payment_account(item: Mapping[str, Any]) -> bool:
    return item.get("Type") == "BANK" or bool(item.get("EnablePaymentsToAccount"))


def tax_rate(item: Mapping[str, Any]) -> TaxRate:
    usages: set[str] = set()
    if item.get("CanApplyToRevenue"):
        usages.add("sales")
    if item.get("CanApplyToExpenses"):
        usages.add("purchase")
    applies = {cls for flag, classes in APPLIES_TO_FLAGS.items() if item.get(flag) for cls in classes}
    percent = item.get("EffectiveRate", item.get("DisplayTaxRate", 0))
    return TaxRate(
        id=str(item["TaxType"]),
        name=str(item.get("Name") or item["TaxType"]),
        percent=money(percent),
        active=item.get("Status", "ACTIVE") == "ACTIVE",
        usages=frozenset(usages),  # type: ignore[arg-type]
        applies_to=frozenset(applies),
        exempt_or_outside=str(item.get("ReportTaxType", "")) in EXEMPT_REPORT_TYPES,
    )


def _phone(item: Mapping[str, Any], kind: str) -> str:
    for phone in item.get("Phones") or ():
        if phone.get("PhoneType") == kind and phone.get("PhoneNumber"):
            parts = (phone.get("PhoneCountryCode"), phone.get("PhoneAreaCode"), phone.get("PhoneNumber"))
            return " ".join(str(p) for p in parts if p)
    return ""


def _address(item: Mapping[str, Any]) -> Address:
    addresses = item.get("Addresses") or []
    chosen = next((a for a in addresses if a.get("AddressType") == "POBOX" and a.get("AddressLine1")), None)
    chosen = chosen or next((a for a in addresses if a.get("AddressLine1")), None)
    if chosen is None:
        return Address()
    return Address(
        line1=str(chosen.get("AddressLine1") or ""),
        line2=str(chosen.get("AddressLine2") or ""),
        line3=str(chosen.get("AddressLine3") or ""),
        town=str(chosen.get("City") or ""),
        county=str(chosen.get("Region") or ""),
        postcode=str(chosen.get("PostalCode") or ""),
        country=str(chosen.get("Country") or "GB") or "GB",
    )


def package_contact(item: Mapping[str, Any]) -> PackageContact:
    return PackageContact(
        id=str(item["ContactID"]),
        name=str(item.get("Name") or ""),
        reference=str(item.get("AccountNumber") or item.get("ContactNumber") or ""),
        is_customer=bool(item.get("IsCustomer")),
        is_supplier=bool(item.get("IsSupplier")),
        first_name=str(item.get("FirstName") or ""),
        last_name=str(item.get("LastName") or ""),
        email=str(item.get("EmailAddress") or ""),
        phone=_phone(item, "DEFAULT"),
        mobile=_phone(item, "MOBILE"),
        address=_address(item),
        vat_number=str(item.get("TaxNumber") or ""),
        active=item.get("ContactStatus", "ACTIVE") == "ACTIVE",
        updated_at=parse_xero_date(item.get("UpdatedDateUTC")),
        raw=dict(item),
    )


def totals(item: Mapping[str, Any]) -> PackageTotals:
    return PackageTotals(
        net=money(item.get("SubTotal")), vat=money(item.get("TotalTax")), gross=money(item.get("Total"))
    )


# --- writing ---------------------------------------------------------------------------------------


def contact_body(draft: ContactDraft, *, name: str | None = None) -> dict[str, Any]:
    """A contact carrying the job system's id in ContactNumber, the handle Xero lets only the API set."""
    body: dict[str, Any] = {"Name": name or draft.name, "ContactNumber": draft.source_id[:50]}
    if draft.reference:
        body["AccountNumber"] = draft.reference[:50]
    if draft.first_name:
        body["FirstName"] = draft.first_name
    if draft.last_name:
        body["LastName"] = draft.last_name
    if draft.email:
        body["EmailAddress"] = draft.email
    if draft.vat_number:
        body["TaxNumber"] = draft.vat_number[:50]
    phones = [{"PhoneType": "DEFAULT", "PhoneNumber": draft.phone}] if draft.phone else []
    if draft.mobile:
        phones.append({"PhoneType": "MOBILE", "PhoneNumber": draft.mobile})
    if phones:
        body["Phones"] = phones
    address = draft.address
    if address.lines or address.town or address.postcode:
        lines = list(address.lines)
        postal: dict[str, Any] = {"AddressType": "POBOX"}
        for index, line in enumerate(lines[:3], start=1):
            postal[f"AddressLine{index}"] = line
        postal.update({"City": address.town, "Region": address.county, "PostalCode": address.postcode})
        postal["Country"] = address.country
        body["Addresses"] = [postal]
    return body


def document_body(draft: DocumentDraft) -> dict[str, Any]:
    """An invoice, bill or credit note, approved, with net lines and the VAT we computed per line."""
    kind = DOCUMENT_TYPES[draft.document_type]
    lines = []
    for line in draft.lines:
        item: dict[str, Any] = {
            "Description": line.description or "-",
            "Quantity": line.quantity,
            "UnitAmount": line.unit_price,
            "TaxType": line.tax_rate_id,
            "TaxAmount": line.vat,
            "LineAmount": line.net,
        }
        if line.account_code:
            item["AccountCode"] = line.account_code
        else:
            item["AccountID"] = line.account_id
        lines.append(item)
    body: dict[str, Any] = {
        "Type": kind,
        "Contact": {"ContactID": draft.contact_id},
        "Date": draft.date.isoformat(),
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": lines,
    }
    if draft.document_type in CREDIT_NOTES:
        body["CreditNoteNumber"] = draft.number
        if draft.credits_document_number:
            body["Reference"] = draft.credits_document_number
    else:
        body["InvoiceNumber"] = draft.number
        body["DueDate"] = (draft.due_date or draft.date).isoformat()
    return body


def payment_bodies(draft: PaymentDraft) -> list[dict[str, Any]]:
    """One Xero Payment per document the money settles (Xero pays one document per payment)."""
    account: dict[str, Any] = (
        {"AccountID": draft.bank_account_id} if draft.bank_account_id else {"Code": draft.bank_account_code}
    )
    bodies: list[dict[str, Any]] = []
    for allocation in draft.allocations:
        credit = allocation.document_type in CREDIT_NOTES
        document = (
            {"CreditNoteID": allocation.document_id} if credit else {"InvoiceID": allocation.document_id}
        )
        body: dict[str, Any] = {
            "CreditNote" if credit else "Invoice": document,
            "Account": account,
            "Date": draft.date.isoformat(),
            "Amount": allocation.amount,
        }
        if draft.reference:
            body["Reference"] = draft.reference
        bodies.append(body)
    return bodies


def overpayment_type(draft: PaymentDraft) -> str:
    return (
        "SPEND-OVERPAYMENT" if draft.document_type is DocumentType.SUPPLIER_PAYMENT else "RECEIVE-OVERPAYMENT"
    )


def overpayment_body(draft: PaymentDraft) -> dict[str, Any]:
    """Money on account: Xero holds it as an overpayment, made through a bank transaction of that type."""
    account: dict[str, Any] = (
        {"AccountID": draft.bank_account_id} if draft.bank_account_id else {"Code": draft.bank_account_code}
    )
    body: dict[str, Any] = {
        "Type": overpayment_type(draft),
        "Contact": {"ContactID": draft.contact_id},
        "BankAccount": account,
        "Date": draft.date.isoformat(),
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {
                "Description": f"Payment on account {draft.reference or draft.source_id}".strip(),
                "LineAmount": draft.on_account,
            }
        ],
    }
    if draft.reference:
        body["Reference"] = draft.reference
    return body
