"""How the Sage sandbox's records and refusals look on the wire: Sage v3.1's JSON shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from starlette.responses import JSONResponse, Response

from ledgerlink.sandbox.kit import Reply
from ledgerlink.sandbox.sage.errors import Diagnosis, SageError
from ledgerlink.sandbox.sage.records import (
    Allocation,
    Artefact,
    BankAccount,
    Business,
    Contact,
    LedgerAccount,
    Line,
    Payment,
    TaxRate,
)
from ledgerlink.sandbox.sage.seed import (
    CONTACT_TYPES,
    LEDGER_ACCOUNT_TYPE_NAMES,
    TRANSACTION_TYPES,
)

STATUS_NAMES = {"UNPAID": "Unpaid", "PART_PAID": "Part Paid", "PAID": "Paid", "VOID": "Void"}


def money(value: Decimal) -> float:
    """Sage sends money as JSON numbers; two decimal places survive a float exactly enough to read back."""
    return float(value)


def stamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def link(path: str, key: str, displayed_as: str) -> dict[str, str]:
    return {"id": key, "displayed_as": displayed_as, "$path": f"/{path}/{key}"}


def error_response(error: SageError, *, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse([d.to_json() for d in error.diagnoses], status_code=error.status, headers=headers)


def diagnoses_response(
    status: int, diagnoses: Sequence[Diagnosis], *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return error_response(SageError(status, diagnoses), headers=headers)


def render(reply: Reply, *, headers: Mapping[str, str] | None = None) -> Response:
    """A handler's reply as Sage sends it: JSON, or nothing at all for a 204."""
    merged = {**reply.headers, **(headers or {})}
    if reply.body is None:
        return Response(status_code=reply.status, headers=merged)
    return JSONResponse(reply.body, status_code=reply.status, headers=merged)


def business(record: Business) -> dict[str, Any]:
    return {
        **link("businesses", record.id, record.name),
        "name": record.name,
        "country": {"id": record.country, "displayed_as": record.country},
        "is_demo": False,
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.created_at),
        "subscriptions": [
            {
                "id": f"sbc_accounting_{record.tier.value}",
                "displayed_as": f"Accounting {record.tier.value.capitalize()}",
                "active": record.subscription_active,
                "status": "active" if record.subscription_active else "cancelled",
            }
        ],
    }


def financial_settings(record: Business) -> dict[str, Any]:
    settings = record.settings
    lockdown = settings.year_end_lockdown_date
    return {
        "$path": "/financial_settings",
        "year_end_date": settings.year_end_date.isoformat(),
        "year_end_lockdown_date": lockdown.isoformat() if lockdown else None,
        "accounts_start_date": settings.accounts_start_date.isoformat(),
        "accounting_type": "accrual",
        "tax_scheme": "STANDARD",
        "sales_tax_calculation": "invoice",
        "base_currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
        "multi_currency_enabled": False,
    }


def ledger_account(record: LedgerAccount) -> dict[str, Any]:
    type_name = LEDGER_ACCOUNT_TYPE_NAMES.get(record.ledger_account_type_id, record.ledger_account_type_id)
    return {
        **link("ledger_accounts", record.id, f"{record.name} ({record.nominal_code})"),
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.updated_at),
        "ledger_account_type": {
            "id": record.ledger_account_type_id,
            "displayed_as": type_name,
            "$path": f"/ledger_account_types/{record.ledger_account_type_id}",
        },
        "included_in_chart": record.included_in_chart,
        "name": record.name,
        "display_name": record.name,
        "visible_scopes": [],
        "nominal_code": record.nominal_code,
        "ledger_account_classification": None,
        "tax_rate": link("tax_rates", record.tax_rate_id, record.tax_rate_id) if record.tax_rate_id else None,
        "visible_in_banking": record.ledger_account_type_id in ("BANK", "CASH_IN_HAND"),
        "visible_in_expenses": record.visible_in_expenses,
        "visible_in_journals": True,
        "visible_in_other_payments": record.visible_in_expenses,
        "visible_in_other_receipts": record.visible_in_sales,
        "visible_in_reporting": True,
        "visible_in_sales": record.visible_in_sales,
        "is_control_account": record.nominal_code in (1100, 2100, 2200, 2201),
    }


def bank_account(record: BankAccount) -> dict[str, Any]:
    return {
        **link("bank_accounts", record.id, f"{record.name} ({record.nominal_code})"),
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.updated_at),
        "bank_account_details": {"account_name": record.name},
        "ledger_account": link("ledger_accounts", record.ledger_account_id, record.name),
        "bank_account_type": {"id": record.bank_account_type_id, "displayed_as": record.bank_account_type_id},
        "balance": money(record.balance),
        "nominal_code": record.nominal_code,
        "is_active": True,
        "currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
    }


def tax_rate(record: TaxRate) -> dict[str, Any]:
    return {
        **link("tax_rates", record.id, record.name),
        "name": record.name,
        "agency": None,
        "percentage": money(record.percentage),
        "percentages": [{"percentage": money(record.percentage), "from_date": "2011-01-04", "to_date": None}],
        "is_visible": True,
        "retailer": False,
        "editable": False,
        "deletable": False,
        "is_combined_rate": False,
        "component_tax_rates": [],
    }


def payment_method(key: str, name: str) -> dict[str, Any]:
    return {**link("payment_methods", key, name), "name": name}


def contact(record: Contact, *, balance: Decimal | None = None) -> dict[str, Any]:
    displayed = f"{record.name} ({record.reference})" if record.reference else record.name
    person = record.main_contact_person
    body: dict[str, Any] = {
        **link("contacts", record.id, displayed),
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.updated_at),
        "contact_types": [
            {**link("contact_types", type_id, CONTACT_TYPES[type_id])} for type_id in record.contact_type_ids
        ],
        "name": record.name,
        "reference": record.reference,
        "tax_number": record.tax_number,
        "notes": record.notes,
        "source_guid": record.source_guid or None,
        "credit_days": record.credit_days,
        "email": person.get("email"),
        "main_address": _address(record.main_address),
        "main_contact_person": {
            "name": person.get("name"),
            "telephone": person.get("telephone"),
            "mobile": person.get("mobile"),
            "email": person.get("email"),
            "is_main_contact": True,
        }
        if person
        else None,
        "default_sales_ledger_account": _maybe_link(
            "ledger_accounts", record.default_sales_ledger_account_id
        ),
        "default_purchase_ledger_account": _maybe_link(
            "ledger_accounts", record.default_purchase_ledger_account_id
        ),
        "default_sales_tax_rate": _maybe_link("tax_rates", record.default_sales_tax_rate_id),
        "is_active": True,
        "system": False,
        "deletable": record.transactions == 0,
        "currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
    }
    if balance is not None:
        body["balance"] = money(balance)
    return body


COUNTRY_NAMES = {"GB": "United Kingdom (GB)", "IE": "Ireland (IE)"}


def _address(stored: Mapping[str, str]) -> dict[str, Any] | None:
    """Sage's read model names the country by a link (`country`), never by the `country_id` written."""
    if not stored:
        return None
    body: dict[str, Any] = {
        key: value for key, value in stored.items() if key not in ("country_id", "address_type_id")
    }
    country = stored.get("country_id")
    if country:
        body["country"] = link("countries", country, COUNTRY_NAMES.get(country, country))
    if stored.get("address_type_id"):
        body["address_type"] = link("address_types", stored["address_type_id"], stored["address_type_id"])
    return body


def _maybe_link(path: str, key: str) -> dict[str, str] | None:
    return link(path, key, key) if key else None


def _line(record: Line, business_record: Business) -> dict[str, Any]:
    account = business_record.ledger_accounts.get(record.ledger_account_id)
    return {
        "id": record.id,
        "displayed_as": record.description,
        "description": record.description,
        "ledger_account": link(
            "ledger_accounts", record.ledger_account_id, account.name if account else record.ledger_account_id
        ),
        "tax_rate": link("tax_rates", record.tax_rate_id, record.tax_rate_id),
        "quantity": money(record.quantity),
        "unit_price": money(record.unit_price),
        "net_amount": money(record.net_amount),
        "tax_amount": money(record.tax_amount),
        "total_amount": money(record.total_amount),
        "unit_price_includes_tax": False,
    }


def artefact(record: Artefact, business_record: Business) -> dict[str, Any]:
    kind = record.kind
    contact_record = business_record.contacts.get(record.contact_id)
    contact_name = contact_record.name if contact_record else ""
    body: dict[str, Any] = {
        **link(kind.value, record.id, record.number),
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.updated_at),
        "deleted_at": stamp(record.deleted_at),
        "contact": link("contacts", record.contact_id, contact_name),
        "contact_name": contact_name,
        "contact_reference": contact_record.reference if contact_record else "",
        "date": record.date.isoformat(),
        "reference": record.reference,
        "notes": record.notes,
        "net_amount": money(record.net_amount),
        "tax_amount": money(record.tax_amount),
        "total_amount": money(record.total_amount),
        "outstanding_amount": money(record.outstanding_amount),
        "total_paid": money(record.paid),
        "currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
        "status": {"id": record.status, "displayed_as": STATUS_NAMES[record.status]},
        "void_reason": record.void_reason or None,
        "editable": record.editable,
        "tax_reconciled": record.tax_reconciled,
        kind.lines_key: [_line(line, business_record) for line in record.lines],
        "payments_allocations": [
            _payment_allocation(key, amount, business_record) for key, amount in record.allocations.items()
        ],
    }
    # Each read model has only its own fields: a number Sage gives only to sales documents, a due date
    # only to invoices, the supplier's reference only to purchases, the original date only to credits.
    if kind.is_sales:
        body["credit_note_number" if kind.is_credit else "invoice_number"] = record.number
    else:
        body["vendor_reference"] = record.vendor_reference
    if kind.is_credit:
        date = record.original_invoice_date
        body["original_invoice_date"] = date.isoformat() if date else None
    else:
        body["due_date"] = record.due_date.isoformat() if record.due_date else None
    return body


def _payment_allocation(key: str, amount: Decimal, business_record: Business) -> dict[str, Any]:
    """One line of a document's `payments_allocations`: the payment or allocation that settled it."""
    if key in business_record.payments:
        payment = business_record.payments[key]
        return {
            "contact_payment": link("contact_payments", key, payment.reference or key),
            "date": payment.date.isoformat(),
            "reference": payment.reference,
            "amount": money(amount),
            "type": "payment",
        }
    allocation = business_record.allocations.get(key)
    return {
        "contact_allocation": link("contact_allocations", key, key),
        "date": allocation.date.isoformat() if allocation else None,
        "amount": money(amount),
        "type": "allocation",
    }


def contact_payment(record: Payment, business_record: Business) -> dict[str, Any]:
    contact_record = business_record.contacts.get(record.contact_id)
    bank = business_record.bank_accounts.get(record.bank_account_id)
    return {
        **link("contact_payments", record.id, record.reference or record.id),
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.updated_at),
        "transaction_type": {
            "id": record.transaction_type_id,
            "displayed_as": TRANSACTION_TYPES[record.transaction_type_id],
        },
        "payment_method": _maybe_link("payment_methods", record.payment_method_id),
        "contact": link("contacts", record.contact_id, contact_record.name if contact_record else ""),
        "bank_account": link("bank_accounts", record.bank_account_id, bank.name if bank else ""),
        "date": record.date.isoformat(),
        "net_amount": money(record.total_amount),
        "tax_amount": 0.0,
        "total_amount": money(record.total_amount),
        "currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
        "reference": record.reference,
        "allocated_artefacts": [
            {
                "id": f"{record.id}-{index}",
                "artefact": link(business_record.artefacts_by_id[key].kind.value, key, key),
                "amount": money(amount),
                "discount": money(discount),
            }
            for index, (key, amount, discount) in enumerate(record.allocated)
        ],
        "payment_on_account": {
            "contact": link("contacts", record.contact_id, contact_record.name if contact_record else ""),
            "date": record.date.isoformat(),
            "reference": record.reference,
            "total_amount": money(record.on_account),
            "outstanding_amount": money(record.on_account),
        }
        if record.on_account
        else None,
        "editable": True,
        "deleted_at": stamp(record.deleted_at),
    }


def contact_allocation(record: Allocation, business_record: Business) -> dict[str, Any]:
    return {
        **link("contact_allocations", record.id, record.id),
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.updated_at),
        "transaction_type": {
            "id": record.transaction_type_id,
            "displayed_as": TRANSACTION_TYPES[record.transaction_type_id],
        },
        "date": record.date.isoformat(),
        "contact": link("contacts", record.contact_id, record.contact_id),
        "allocated_artefacts": [
            {
                "id": f"{record.id}-{index}",
                "artefact": link(business_record.artefacts_by_id[key].kind.value, key, key),
                "amount": money(amount),
            }
            for index, (key, amount) in enumerate(record.allocated)
        ],
    }
