"""The request bodies the Xero sandbox accepts, modelled on Xero's published spec.

The spec itself never ships with the project, so these models carry its shape: field types (a number is
a JSON number, never a string), enum values, and Xero's leniency about everything else (unknown fields
are kept, not refused). The test suite holds them against the spec. Numbers are parsed as Decimal so a
penny never passes through a float.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ledgerlink.sandbox.xero.errors import BodyInvalid

MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number")
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def parse_date(value: str) -> dt.date:
    """Xero accepts YYYY-MM-DD, an ISO datetime, or its own /Date(ms+zone)/ form."""
    text = value.strip()
    match = MS_DATE.match(text)
    if match:
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return (epoch + dt.timedelta(milliseconds=int(match.group(1)))).date()
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"'{value}' is not a valid date") from error


def _date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date string")
    return parse_date(value)


Number = Annotated[Decimal, BeforeValidator(_number)]
Bool = Annotated[bool, BeforeValidator(_boolean)]
Str = Annotated[str, BeforeValidator(_string)]
DateField = Annotated[dt.date | None, BeforeValidator(_date)]

DocumentStatus = Literal["DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED"]
InvoiceType = Literal[
    "ACCPAY",
    "ACCPAYCREDIT",
    "APOVERPAYMENT",
    "APPREPAYMENT",
    "ACCREC",
    "ACCRECCREDIT",
    "AROVERPAYMENT",
    "ARPREPAYMENT",
]
CreditNoteType = Literal["ACCPAYCREDIT", "ACCRECCREDIT"]
AmountTypes = Literal["Exclusive", "Inclusive", "NoTax"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Address(_Body):
    AddressType: Literal["POBOX", "STREET"] | None = None
    AddressLine1: Str | None = None
    AddressLine2: Str | None = None
    AddressLine3: Str | None = None
    AddressLine4: Str | None = None
    City: Str | None = None
    Region: Str | None = None
    PostalCode: Str | None = None
    Country: Str | None = None
    AttentionTo: Str | None = None


class Phone(_Body):
    PhoneType: Literal["DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"] | None = None
    PhoneNumber: Str | None = None
    PhoneAreaCode: Str | None = None
    PhoneCountryCode: Str | None = None


class ContactBody(_Body):
    ContactID: Str | None = None
    ContactNumber: Str | None = None
    AccountNumber: Str | None = None
    ContactStatus: Literal["ACTIVE", "ARCHIVED", "GDPRREQUEST"] | None = None
    Name: Str | None = None
    FirstName: Str | None = None
    LastName: Str | None = None
    CompanyNumber: Str | None = None
    EmailAddress: Str | None = None
    TaxNumber: Str | None = None
    AccountsReceivableTaxType: Str | None = None
    AccountsPayableTaxType: Str | None = None
    Addresses: list[Address] | None = None
    Phones: list[Phone] | None = None
    IsSupplier: Bool | None = None
    IsCustomer: Bool | None = None
    SalesDefaultAccountCode: Str | None = None
    PurchasesDefaultAccountCode: Str | None = None
    DefaultCurrency: Str | None = None


class LineItemBody(_Body):
    LineItemID: Str | None = None
    Description: Str | None = None
    Quantity: Number | None = None
    UnitAmount: Number | None = None
    ItemCode: Str | None = None
    AccountCode: Str | None = None
    AccountID: Str | None = None
    TaxType: Str | None = None
    TaxAmount: Number | None = None
    LineAmount: Number | None = None
    DiscountRate: Number | None = None
    DiscountAmount: Number | None = None


class DocumentRef(_Body):
    """An invoice or credit note named inside another body (a payment, an allocation)."""

    InvoiceID: Str | None = None
    InvoiceNumber: Str | None = None
    CreditNoteID: Str | None = None
    CreditNoteNumber: Str | None = None
    Type: Str | None = None


class InvoiceBody(_Body):
    Type: InvoiceType | None = None
    Contact: ContactBody | None = None
    LineItems: list[LineItemBody] | None = None
    Date: DateField = None
    DueDate: DateField = None
    LineAmountTypes: AmountTypes | None = None
    InvoiceNumber: Str | None = None
    Reference: Str | None = None
    Url: Str | None = None
    CurrencyCode: Str | None = None
    CurrencyRate: Number | None = None
    Status: DocumentStatus | None = None
    SentToContact: Bool | None = None
    InvoiceID: Str | None = None


class CreditNoteBody(_Body):
    Type: CreditNoteType | None = None
    Contact: ContactBody | None = None
    LineItems: list[LineItemBody] | None = None
    Date: DateField = None
    DueDate: DateField = None
    LineAmountTypes: AmountTypes | None = None
    CreditNoteNumber: Str | None = None
    Reference: Str | None = None
    CurrencyCode: Str | None = None
    CurrencyRate: Number | None = None
    Status: DocumentStatus | None = None
    CreditNoteID: Str | None = None


AccountType = Literal[
    "BANK",
    "CURRENT",
    "CURRLIAB",
    "DEPRECIATN",
    "DIRECTCOSTS",
    "EQUITY",
    "EXPENSE",
    "FIXED",
    "INVENTORY",
    "LIABILITY",
    "NONCURRENT",
    "OTHERINCOME",
    "OVERHEADS",
    "PREPAYMENT",
    "REVENUE",
    "SALES",
    "TERMLIAB",
    "PAYG",
]


class AccountBody(_Body):
    """An account as `PUT /Accounts` takes it (Xero's `Account` schema)."""

    AccountID: Str | None = None
    Code: Str | None = None
    Name: Annotated[str, BeforeValidator(_string), Field(max_length=150)] | None = None
    Type: AccountType | None = None
    TaxType: Str | None = None
    Description: Str | None = None
    BankAccountNumber: Str | None = None
    EnablePaymentsToAccount: Bool | None = None


class AccountRef(_Body):
    AccountID: Str | None = None
    Code: Str | None = None


class PaymentBody(_Body):
    Invoice: DocumentRef | None = None
    CreditNote: DocumentRef | None = None
    InvoiceNumber: Str | None = None
    CreditNoteNumber: Str | None = None
    Account: AccountRef | None = None
    Code: Str | None = None
    Date: DateField = None
    CurrencyRate: Number | None = None
    Amount: Number | None = None
    Reference: Str | None = None
    IsReconciled: Bool | None = None
    Status: Literal["AUTHORISED", "DELETED"] | None = None
    PaymentID: Str | None = None


class AllocationBody(_Body):
    AllocationID: Str | None = None
    Invoice: DocumentRef | None = None
    CreditNote: DocumentRef | None = None
    Amount: Number | None = None
    Date: DateField = None


class BatchPaymentBody(_Body):
    Account: AccountRef | None = None
    Reference: Str | None = None
    Date: DateField = None
    Payments: list[PaymentBody] = Field(default_factory=list)


class BankTransactionBody(_Body):
    Type: (
        Literal[
            "RECEIVE",
            "RECEIVE-OVERPAYMENT",
            "RECEIVE-PREPAYMENT",
            "SPEND",
            "SPEND-OVERPAYMENT",
            "SPEND-PREPAYMENT",
            "RECEIVE-TRANSFER",
            "SPEND-TRANSFER",
        ]
        | None
    ) = None
    Contact: ContactBody | None = None
    LineItems: list[LineItemBody] | None = None
    BankAccount: AccountRef | None = None
    IsReconciled: Bool | None = None
    Date: DateField = None
    Reference: Str | None = None
    CurrencyCode: Str | None = None
    CurrencyRate: Number | None = None
    Url: Str | None = None
    Status: Literal["AUTHORISED", "DELETED", "VOIDED"] | None = None
    LineAmountTypes: AmountTypes | None = None
    BankTransactionID: Str | None = None


RESOURCE_MODELS: dict[str, type[_Body]] = {
    "Accounts": AccountBody,
    "BankTransactions": BankTransactionBody,
    "Contacts": ContactBody,
    "Invoices": InvoiceBody,
    "CreditNotes": CreditNoteBody,
    "Payments": PaymentBody,
    "Allocations": AllocationBody,
    "BatchPayments": BatchPaymentBody,
}


def _describe(error: ValidationError, collection: str, index: int | None) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    prefix = f"{collection}[{index}]." if index is not None else ""
    return f"{prefix}{where}: {first['msg']}"


def decode(raw: bytes) -> Any:
    """The JSON of a request, numbers as Decimal; unreadable JSON is PostDataInvalid, as at Xero."""
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise BodyInvalid("The request body could not be read as JSON") from error


def parse_collection(raw: Any, collection: str) -> list[tuple[dict[str, Any], Any]]:
    """(the element as sent, its model) for each element of a `{"Collection": [...]}` body.

    A single object without the wrapper is accepted as one element, as Xero does.
    """
    model = RESOURCE_MODELS[collection]
    if isinstance(raw, dict) and collection in raw:
        elements = raw[collection]
    elif isinstance(raw, dict):
        elements = [raw]
    else:
        raise BodyInvalid(f"Expected an object with a '{collection}' list")
    if not isinstance(elements, list):
        raise BodyInvalid(f"'{collection}' must be a list")
    parsed: list[tuple[dict[str, Any], Any]] = []
    for index, element in enumerate(elements):
        if not isinstance(element, dict):
            raise BodyInvalid(f"{collection}[{index}] must be an object")
        try:
            parsed.append((element, model.model_validate(element)))
        except ValidationError as error:
            raise BodyInvalid(_describe(error, collection, index)) from error
    return parsed
