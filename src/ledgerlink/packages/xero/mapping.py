"""Drafts to Xero's JSON and Xero's replies back: the only place that knows Xero's field names."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerlink.domain.money import to_pennies
from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address
from ledgerlink.packages.drafts import (
    ContactDraft,
    DocumentDraft,
    DocumentType,
    LedgerAccountDraft,
    LineDraft,
    PackageTotals,
    PaymentDraft,
    fitted_note,
    fitted_reference,
)
from ledgerlink.packages.holdings import AccountClass, BankAccount, LedgerAccount, TaxRate

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)/$")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

DOCUMENT_TYPES: dict[DocumentType, str] = {
    DocumentType.SALES_INVOICE: "ACCREC",
    DocumentType.PURCHASE_INVOICE: "ACCPAY",
    DocumentType.SALES_CREDIT_NOTE: "ACCRECCREDIT",
    DocumentType.PURCHASE_CREDIT_NOTE: "ACCPAYCREDIT",
}
CREDIT_NOTES = frozenset({DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE})
REFUNDS = frozenset({DocumentType.CUSTOMER_REFUND, DocumentType.SUPPLIER_REFUND})  # paid against credit notes
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


# the Type a new account of each class is made with
ACCOUNT_TYPES: dict[AccountClass, str] = {
    AccountClass.INCOME: "REVENUE",
    AccountClass.OTHER_INCOME: "OTHERINCOME",
    AccountClass.COST_OF_SALES: "DIRECTCOSTS",
    AccountClass.EXPENSE: "OVERHEADS",
}


def account_body(draft: LedgerAccountDraft) -> dict[str, Any]:
    """`PUT /Accounts`: the code, name, Type and default TaxType of a new account."""
    body: dict[str, Any] = {
        "Code": draft.code,
        "Name": draft.name,
        "Type": ACCOUNT_TYPES[draft.account_class],
    }
    if draft.tax_rate_id:
        body["TaxType"] = draft.tax_rate_id
    return body


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


# What a contact is read from: the import's field table is made from these, so it shows what is read.
CONTACT_ID = "ContactID"
ROLE_FLAGS = ("IsCustomer", "IsSupplier")
STATUS = "ContactStatus"
CONTACT_FIELDS: dict[str, tuple[str, ...]] = {  # the first that holds a value wins
    "name": ("Name",),
    "reference": ("AccountNumber", "ContactNumber"),
    "first_name": ("FirstName",),
    "last_name": ("LastName",),
    "email": ("EmailAddress",),
    "vat_number": ("TaxNumber",),
}
PHONES = "Phones"
PHONE_TYPES = {"phone": "DEFAULT", "mobile": "MOBILE"}
PHONE_PARTS = ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")
ADDRESSES = "Addresses"
PREFERRED_ADDRESS = "POBOX"  # the postal address, else the first with a line
ADDRESS_FIELDS = {
    "line1": "AddressLine1",
    "line2": "AddressLine2",
    "line3": "AddressLine3",
    "town": "City",
    "county": "Region",
    "postcode": "PostalCode",
    "country": "Country",
}


def _field(item: Mapping[str, Any], part: str) -> str:
    return next((str(item[name]) for name in CONTACT_FIELDS[part] if item.get(name)), "")


def _phone(item: Mapping[str, Any], part: str) -> str:
    for phone in item.get(PHONES) or ():
        if phone.get("PhoneType") == PHONE_TYPES[part] and phone.get("PhoneNumber"):
            return " ".join(str(phone[name]) for name in PHONE_PARTS if phone.get(name))
    return ""


def _address(item: Mapping[str, Any]) -> Address:
    addresses = item.get(ADDRESSES) or []
    line1 = ADDRESS_FIELDS["line1"]
    chosen = next((a for a in addresses if a.get("AddressType") == PREFERRED_ADDRESS and a.get(line1)), None)
    chosen = chosen or next((a for a in addresses if a.get(line1)), None)
    if chosen is None:
        return Address()

    def read(part: str) -> str:
        return str(chosen.get(ADDRESS_FIELDS[part]) or "")

    return Address(
        line1=read("line1"),
        line2=read("line2"),
        line3=read("line3"),
        town=read("town"),
        county=read("county"),
        postcode=read("postcode"),
        country=read("country") or "GB",
    )


def package_contact(item: Mapping[str, Any]) -> PackageContact:
    is_customer, is_supplier = ROLE_FLAGS
    return PackageContact(
        id=str(item[CONTACT_ID]),
        name=_field(item, "name"),
        reference=_field(item, "reference"),
        is_customer=bool(item.get(is_customer)),
        is_supplier=bool(item.get(is_supplier)),
        first_name=_field(item, "first_name"),
        last_name=_field(item, "last_name"),
        email=_field(item, "email"),
        phone=_phone(item, "phone"),
        mobile=_phone(item, "mobile"),
        address=_address(item),
        vat_number=_field(item, "vat_number"),
        active=item.get(STATUS, "ACTIVE") == "ACTIVE",
        updated_at=parse_xero_date(item.get("UpdatedDateUTC")),
        raw=dict(item),
    )


def money_against(document: Mapping[str, Any]) -> str:
    """What is paid or credited against a document, in words ("paid 50.00"), or "" when nothing is."""
    parts = [
        f"{word} {money(document.get(field)):.2f}"
        for word, field in (
            ("paid", "AmountPaid"),
            ("credited", "AmountCredited"),
            ("allocated", "AppliedAmount"),
        )
        if money(document.get(field))
    ]
    if not parts and document.get("Status") == "PAID":
        parts.append("payments")
    if not parts and (document.get("Allocations") or document.get("Payments")):
        parts.append("payments or allocations")
    return " and ".join(parts)


def fingerprint(body: Mapping[str, Any]) -> str:
    """A body's digest: an update's Idempotency-Key changes whenever what it sets does."""
    return hashlib.sha256(json.dumps(wire(body), sort_keys=True, default=str).encode()).hexdigest()


def totals(item: Mapping[str, Any]) -> PackageTotals:
    return PackageTotals(
        net=money(item.get("SubTotal")), vat=money(item.get("TotalTax")), gross=money(item.get("Total"))
    )


# --- writing ---------------------------------------------------------------------------------------


NUMBER_LENGTH = 50  # ContactNumber and AccountNumber: Xero cuts a longer one to 50 without a word


def contact_number(source_id: str) -> str:
    """The job system's id as Xero's ContactNumber holds it: fitted to 50 characters, never cut short."""
    return fitted_reference(source_id, NUMBER_LENGTH)


def account_number(draft: ContactDraft) -> str:
    return fitted_reference(draft.reference, NUMBER_LENGTH)


def fitted_notes(draft: ContactDraft) -> tuple[str, ...]:
    """What was fitted to Xero's lengths, said on the entry so the person can choose otherwise."""
    notes = []
    if account_number(draft) != draft.reference:
        notes.append(fitted_note("reference", draft.reference, account_number(draft), NUMBER_LENGTH, "Xero"))
    if contact_number(draft.source_id) != draft.source_id:
        notes.append(
            f"Xero keeps a contact number of up to {NUMBER_LENGTH} characters: the id {draft.source_id!r} "
            f"is held there as {contact_number(draft.source_id)!r}"
        )
    return tuple(notes)


def contact_body(draft: ContactDraft, *, name: str | None = None) -> dict[str, Any]:
    """A contact carrying the job system's id in ContactNumber, the handle Xero lets only the API set."""
    body: dict[str, Any] = {"Name": name or draft.name, "ContactNumber": contact_number(draft.source_id)}
    if draft.reference:
        body["AccountNumber"] = account_number(draft)
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


FOUR_PLACES = Decimal("0.0001")


def _places(value: Decimal) -> int:
    """How many decimal places `value` really has (10.50 has one, 0.125 three)."""
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def unit_places(draft: DocumentDraft) -> int:
    """The unit-amount places a document needs Xero to keep: 2 (Xero's own) or 4 (`unitdp=4`)."""
    return 4 if any(_places(line.unit_price) > 2 for line in draft.lines) else 2


def _priced(line: LineDraft) -> tuple[str, Decimal, Decimal]:
    """Description, quantity and unit amount for Xero, which keeps at most 4 decimals of a price.

    A price finer than that goes as it is only where rounding it to 4 places leaves the line total
    as ours; otherwise the line goes as one of its total, its quantity and price said in its words.
    """
    description = line.description or "-"
    if _places(line.unit_price) <= 4:
        return description, line.quantity, line.unit_price
    rounded = line.unit_price.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    if to_pennies(line.quantity * rounded) == line.net:
        return description, line.quantity, rounded
    said = f"{line.quantity.normalize():f} at {line.unit_price.normalize():f}"
    return f"{description} ({said})", Decimal(1), line.net


def document_body(draft: DocumentDraft) -> dict[str, Any]:
    """An invoice, bill or credit note, approved, with net lines and the VAT we computed per line.

    Send it with `unitdp=<unit_places(draft)>`: Xero rounds a price to 2 places unless asked for 4,
    and refuses a line amount that then disagrees with quantity x price.
    """
    kind = DOCUMENT_TYPES[draft.document_type]
    lines = []
    for line in draft.lines:
        description, quantity, unit = _priced(line)
        item: dict[str, Any] = {
            "Description": description,
            "Quantity": quantity,
            "UnitAmount": unit,
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
