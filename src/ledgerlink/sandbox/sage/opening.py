"""Sage's contact opening balances: the invoices and credit notes outstanding when a business moved to
Sage, one a document, dated before its accounts start date. Sage keeps each as an artefact a payment or
an allocation settles like an invoice; it posts to its own opening balance accounts, with no VAT here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import StrictStr

from ledgerlink.sandbox.sage import bodies
from ledgerlink.sandbox.sage.errors import Problems
from ledgerlink.sandbox.sage.records import ZERO, Artefact, ArtefactKind, Business, Line, new_id
from ledgerlink.sandbox.sage.responses import link, money, stamp

PATH = "contact_opening_balances"
KINDS = {
    "CUSTOMER_OPENING_BALANCE_INVOICE": (ArtefactKind.SALES_INVOICE, "INVOICE"),
    "CUSTOMER_OPENING_BALANCE_CREDIT_NOTE": (ArtefactKind.SALES_CREDIT_NOTE, "CREDIT_NOTE"),
    "VENDOR_OPENING_BALANCE_INVOICE": (ArtefactKind.PURCHASE_INVOICE, "INVOICE"),
    "VENDOR_OPENING_BALANCE_CREDIT_NOTE": (ArtefactKind.PURCHASE_CREDIT_NOTE, "CREDIT_NOTE"),
}
TYPE_OF: dict[ArtefactKind, str] = {kind: type_id for type_id, (kind, _) in KINDS.items()}


class ContactOpeningBalanceCreate(bodies._Body):
    contact_opening_balance_type_id: StrictStr
    date: bodies.Date
    contact_id: StrictStr
    reference: StrictStr
    total_amount: bodies.Number
    transaction_type_id: StrictStr | None = None
    details: StrictStr | None = None
    net_amount: bodies.Number | None = None
    tax_rate_id: StrictStr | None = None
    tax_amount: bodies.Number | None = None
    idempotency_id: StrictStr | None = None


bodies.BODIES["contact_opening_balance"] = (ContactOpeningBalanceCreate, None)


def create(business: Business, body: ContactOpeningBalanceCreate, now: dt.datetime) -> Artefact:
    """Sage's rules: a known contact of the right type, dated before the accounts start date, an
    amount above nothing, and the transaction type agreeing with invoice or credit note."""
    problems = Problems()
    contact = business.contacts.get(body.contact_id)
    if contact is None:
        problems.add("contact_id", "is not a valid contact")
    type_id = body.transaction_type_id or ""
    if type_id not in KINDS:
        vendor = (
            contact is not None
            and "VENDOR" in contact.contact_type_ids
            and "CUSTOMER" not in contact.contact_type_ids
        )
        side = "VENDOR" if vendor else "CUSTOMER"
        suffix = "CREDIT_NOTE" if body.contact_opening_balance_type_id == "CREDIT_NOTE" else "INVOICE"
        type_id = f"{side}_OPENING_BALANCE_{suffix}"
    kind, balance_type = KINDS[type_id]
    if body.contact_opening_balance_type_id != balance_type:
        problems.add("contact_opening_balance_type_id", f"must be {balance_type} for {type_id}")
    if body.date >= business.settings.accounts_start_date:
        problems.add(
            "date", f"must be before the accounts start date ({business.settings.accounts_start_date})"
        )
    if body.total_amount <= 0:
        problems.add("total_amount", "must be greater than 0")
    tax = body.tax_amount or ZERO
    net = body.net_amount if body.net_amount is not None else body.total_amount - tax
    if net + tax != body.total_amount:
        problems.add("total_amount", "must equal the net amount plus the tax amount")
    problems.raise_if_any()
    line = Line(
        new_id(), body.details or "", "", body.tax_rate_id or "", Decimal(1), net, net, tax, body.total_amount
    )
    artefact = Artefact(
        new_id(),
        now,
        now,
        kind,
        body.reference,
        body.contact_id,
        body.date,
        None,
        [line],
        reference=body.reference,
        notes=body.details or "",
    )
    business.opening_balances[artefact.id] = artefact
    business.artefacts_by_id[artefact.id] = artefact
    business.artefacts_by_contact.setdefault(artefact.contact_id, []).append(artefact.id)
    return artefact


def response(record: Artefact, business: Business) -> dict[str, Any]:
    type_id = TYPE_OF[record.kind]
    contact = business.contacts.get(record.contact_id)
    return {
        "id": record.id,
        "displayed_as": record.reference,
        "$path": f"/{PATH}/{record.id}",
        "created_at": stamp(record.created_at),
        "updated_at": stamp(record.updated_at),
        "transaction_type": link("transaction_types", type_id, type_id),
        "contact_opening_balance_type": link(
            "contact_opening_balance_types", KINDS[type_id][1], KINDS[type_id][1]
        ),
        "contact": link("contacts", record.contact_id, contact.name if contact else record.contact_id),
        "date": record.date.isoformat(),
        "reference": record.reference,
        "details": record.notes,
        "net_amount": money(record.net_amount),
        "tax_amount": money(record.tax_amount),
        "total_amount": money(record.total_amount),
    }


def listed(business: Business, params: dict[str, str]) -> list[Artefact]:
    records = list(business.opening_balances.values())
    if params.get("contact_id"):
        records = [r for r in records if r.contact_id == params["contact_id"]]
    return records
