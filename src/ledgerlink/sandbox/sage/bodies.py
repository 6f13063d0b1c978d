"""The request bodies the Sage sandbox accepts, as its own models of Sage's POST and PUT schemas.

These models hold the shape only (required fields, JSON types), as the Swagger spec does; Sage's rules
(which ids exist, what adds up) live in `models.py`. The test suite holds these models against the
official spec, which is never shipped with the project. Unknown fields are ignored, as the spec allows
them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictBool, StrictInt, StrictStr, ValidationError

from ledgerlink.sandbox.sage.errors import BodyError


def _number(value: Any) -> Decimal:
    if isinstance(value, Decimal):  # built in code, not read from JSON
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return Decimal(str(value))


def _date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("must be a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError("is not a valid date (YYYY-MM-DD)") from error


Number = Annotated[Decimal, BeforeValidator(_number)]
Date = Annotated[dt.date, BeforeValidator(_date)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AddressBody(_Body):
    address_line_1: StrictStr | None = None
    address_line_2: StrictStr | None = None
    city: StrictStr | None = None
    region: StrictStr | None = None
    postal_code: StrictStr | None = None
    country_id: StrictStr | None = None
    address_type_id: StrictStr | None = None
    name: StrictStr | None = None
    is_main_address: StrictBool | None = None


class ContactPersonBody(_Body):
    contact_person_type_ids: list[StrictStr] | None = None
    name: StrictStr | None = None
    job_title: StrictStr | None = None
    telephone: StrictStr | None = None
    mobile: StrictStr | None = None
    email: StrictStr | None = None
    fax: StrictStr | None = None
    is_main_contact: StrictBool | None = None


class ContactUpdate(_Body):
    name: StrictStr | None = None
    contact_type_ids: list[StrictStr] | None = None
    reference: StrictStr | None = None
    default_sales_ledger_account_id: StrictStr | None = None
    default_sales_tax_rate_id: StrictStr | None = None
    default_purchase_ledger_account_id: StrictStr | None = None
    tax_number: StrictStr | None = None
    notes: StrictStr | None = None
    locale: StrictStr | None = None
    credit_limit: Number | None = None
    credit_days: StrictInt | None = None
    credit_terms: StrictStr | None = None
    source_guid: StrictStr | None = None
    currency_id: StrictStr | None = None
    registered_number: StrictStr | None = None
    main_address: AddressBody | None = None
    delivery_address: AddressBody | None = None
    main_contact_person: ContactPersonBody | None = None
    idempotency_id: StrictStr | None = None


class ContactCreate(ContactUpdate):
    name: StrictStr
    contact_type_ids: list[StrictStr]


class LineUpdate(_Body):
    description: StrictStr | None = None
    ledger_account_id: StrictStr | None = None
    unit_price: Number | None = None
    quantity: Number | None = None
    net_amount: Number | None = None
    tax_rate_id: StrictStr | None = None
    tax_amount: Number | None = None
    total_amount: Number | None = None
    discount_amount: Number | None = None
    product_id: StrictStr | None = None
    service_id: StrictStr | None = None
    unit_price_includes_tax: StrictBool | None = None


class SalesLine(LineUpdate):
    description: StrictStr
    ledger_account_id: StrictStr
    unit_price: Number


class PurchaseLine(SalesLine):
    quantity: Number


class DocumentUpdate(_Body):
    contact_id: StrictStr | None = None
    date: Date | None = None
    due_date: Date | None = None
    reference: StrictStr | None = None
    notes: StrictStr | None = None
    net_amount: Number | None = None
    tax_amount: Number | None = None
    total_amount: Number | None = None
    currency_id: StrictStr | None = None
    exchange_rate: Number | None = None
    status_id: StrictStr | None = None
    idempotency_id: StrictStr | None = None


class SalesInvoiceUpdate(DocumentUpdate):
    invoice_number: StrictStr | None = None
    invoice_lines: list[LineUpdate] | None = None


class SalesInvoiceCreate(SalesInvoiceUpdate):
    contact_id: StrictStr
    date: Date
    invoice_lines: list[SalesLine]  # type: ignore[assignment]


class SalesCreditNoteUpdate(DocumentUpdate):
    credit_note_number: StrictStr | None = None
    original_invoice_date: Date | None = None
    credit_note_lines: list[LineUpdate] | None = None


class SalesCreditNoteCreate(SalesCreditNoteUpdate):
    contact_id: StrictStr
    date: Date
    credit_note_lines: list[SalesLine]  # type: ignore[assignment]


class PurchaseInvoiceUpdate(DocumentUpdate):
    vendor_reference: StrictStr | None = None
    invoice_lines: list[LineUpdate] | None = None


class PurchaseInvoiceCreate(PurchaseInvoiceUpdate):
    contact_id: StrictStr
    date: Date
    due_date: Date
    invoice_lines: list[PurchaseLine]  # type: ignore[assignment]


class PurchaseCreditNoteUpdate(DocumentUpdate):
    vendor_reference: StrictStr | None = None
    original_invoice_date: Date | None = None
    inverse_exchange_rate: StrictStr | None = None  # typed string in Sage's spec, unlike elsewhere
    credit_note_lines: list[LineUpdate] | None = None


class PurchaseCreditNoteCreate(PurchaseCreditNoteUpdate):
    contact_id: StrictStr
    date: Date
    credit_note_lines: list[PurchaseLine]  # type: ignore[assignment]


class AllocatedArtefact(_Body):
    artefact_id: StrictStr | None = None
    amount: Number | None = None
    discount: Number | None = None


class PaymentOnAccount(_Body):
    contact_id: StrictStr | None = None
    date: Date | None = None
    reference: StrictStr | None = None
    net_amount: Number | None = None
    tax_amount: Number | None = None
    total_amount: Number | None = None


class ContactPaymentUpdate(_Body):
    transaction_type_id: StrictStr | None = None
    contact_id: StrictStr | None = None
    bank_account_id: StrictStr | None = None
    date: Date | None = None
    total_amount: Number | None = None
    payment_method_id: StrictStr | None = None
    net_amount: Number | None = None
    tax_amount: Number | None = None
    currency_id: StrictStr | None = None
    reference: StrictStr | None = None
    allocated_artefacts: list[AllocatedArtefact] | None = None
    payment_on_account: PaymentOnAccount | None = None
    idempotency_id: StrictStr | None = None


class ContactPaymentCreate(ContactPaymentUpdate):
    transaction_type_id: StrictStr
    contact_id: StrictStr
    bank_account_id: StrictStr
    date: Date
    total_amount: Number


class ContactAllocationCreate(_Body):
    transaction_type_id: StrictStr
    contact_id: StrictStr
    date: Date | None = None
    allocated_artefacts: list[AllocatedArtefact]
    idempotency_id: StrictStr | None = None


class LedgerAccountCreate(_Body):
    ledger_account_type_id: StrictStr
    included_in_chart: StrictBool
    name: StrictStr
    display_name: StrictStr
    nominal_code: StrictInt
    tax_rate_id: StrictStr | None = None


# root key -> (create model, update model); every body is wrapped in its singular resource name
BODIES: dict[str, tuple[type[_Body], type[_Body] | None]] = {
    "contact": (ContactCreate, ContactUpdate),
    "sales_invoice": (SalesInvoiceCreate, SalesInvoiceUpdate),
    "sales_credit_note": (SalesCreditNoteCreate, SalesCreditNoteUpdate),
    "purchase_invoice": (PurchaseInvoiceCreate, PurchaseInvoiceUpdate),
    "purchase_credit_note": (PurchaseCreditNoteCreate, PurchaseCreditNoteUpdate),
    "contact_payment": (ContactPaymentCreate, ContactPaymentUpdate),
    "contact_allocation": (ContactAllocationCreate, None),
    "ledger_account": (LedgerAccountCreate, None),
}

_MESSAGES = {
    "missing": "must be present",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be an integer",
    "list_type": "must be an array",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
}


def parse_body(root: str, payload: Any, *, update: bool = False) -> _Body:
    """Read `{root: {...}}` into the model for that resource, or raise BodyError naming each field."""
    if not isinstance(payload, dict) or not isinstance(payload.get(root), dict):
        raise BodyError([(root, "must be present")])
    create_model, update_model = BODIES[root]
    model = update_model if update and update_model is not None else create_model
    try:
        return model.model_validate(payload[root])
    except ValidationError as error:
        problems = []
        for item in error.errors():
            source = ".".join(str(part) for part in item["loc"])
            message = _MESSAGES.get(item["type"]) or str(item["msg"]).removeprefix("Value error, ")
            problems.append((source, message))
        raise BodyError(problems) from error
