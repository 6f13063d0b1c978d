"""The Sage sandbox's state and Sage's rules, with no HTTP in sight.

Every business keeps its records in dicts keyed by id, with the indexes the rules need (contact by
reference, artefacts by contact), so a create or a look-up costs the same with ten records or fifty
thousand. Refusals are `SageError`s carrying Sage's diagnosis array; `responses.py` renders them.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from ledgerlink.sandbox.kit.clock import Clock
from ledgerlink.sandbox.sage import bodies
from ledgerlink.sandbox.sage.seed import (
    BANK_ACCOUNTS,
    CONTACT_TYPES,
    GB_TAX_RATES,
    PAYMENT_METHODS,
    PURCHASE_TYPES,
    SALES_TYPES,
    UK_CHART,
)

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def new_id() -> str:
    return uuid.uuid4().hex


class Tier(StrEnum):
    START = "start"
    STANDARD = "standard"
    PLUS = "plus"


# (method, resource) pairs a tier does not offer, per the spec's tier flags
TIER_DISABLED: dict[Tier, frozenset[tuple[str, str]]] = {
    Tier.START: frozenset(
        {("POST", "purchase_invoices"), ("POST", "contact_allocations"), ("POST", "purchase_credit_notes")}
    ),
    Tier.STANDARD: frozenset({("POST", "purchase_credit_notes")}),
    Tier.PLUS: frozenset(),
}


@dataclass(frozen=True)
class Diagnosis:
    message: str
    source: str = ""
    data_code: str = "ValidationError"
    severity: str = "error"

    def to_json(self) -> dict[str, str]:
        return {
            "$severity": self.severity,
            "$dataCode": self.data_code,
            "$message": self.message,
            "$source": self.source,
        }


class SageError(Exception):
    """A refusal in Sage's words: an HTTP status and the diagnosis array."""

    def __init__(self, status: int, diagnoses: Sequence[Diagnosis]) -> None:
        super().__init__("; ".join(f"{d.source}: {d.message}" for d in diagnoses))
        self.status = status
        self.diagnoses = tuple(diagnoses)


def invalid(source: str, message: str) -> SageError:
    return SageError(422, [Diagnosis(message, source)])


def not_found(resource: str) -> SageError:
    return SageError(404, [Diagnosis(f"{resource} not found", "", "RecordNotFound")])


class Problems:
    """Collects every diagnosis of one request, so a caller sees all of them at once."""

    def __init__(self) -> None:
        self.items: list[Diagnosis] = []

    def add(self, source: str, message: str) -> None:
        self.items.append(Diagnosis(message, source))

    def raise_if_any(self) -> None:
        if self.items:
            raise SageError(422, self.items)


@dataclass(frozen=True)
class SandboxRules:
    """The behaviours the provider notes leave open, made switchable."""

    tax_tolerance: Decimal = ZERO  # how far a line's tax_amount may stray from net x rate
    refuse_void_with_allocations: bool = True
    default_credit_days: int = 30


# --- records ---------------------------------------------------------------------------------------


@dataclass
class Stamped:
    id: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass
class LedgerAccount(Stamped):
    nominal_code: int
    name: str
    ledger_account_type_id: str
    tax_rate_id: str = ""
    included_in_chart: bool = True

    @property
    def visible_in_sales(self) -> bool:
        return self.ledger_account_type_id in SALES_TYPES

    @property
    def visible_in_expenses(self) -> bool:
        return self.ledger_account_type_id in PURCHASE_TYPES


@dataclass
class BankAccount(Stamped):
    name: str
    bank_account_type_id: str
    ledger_account_id: str
    nominal_code: int
    balance: Decimal = ZERO


@dataclass
class TaxRate:
    id: str
    name: str
    percentage: Decimal
    taxable: bool


@dataclass
class Contact(Stamped):
    name: str
    contact_type_ids: list[str]
    reference: str = ""
    tax_number: str = ""
    notes: str = ""
    source_guid: str = ""
    credit_days: int | None = None
    default_sales_ledger_account_id: str = ""
    default_purchase_ledger_account_id: str = ""
    default_sales_tax_rate_id: str = ""
    main_address: dict[str, str] = field(default_factory=dict)
    main_contact_person: dict[str, str] = field(default_factory=dict)
    transactions: int = 0

    @property
    def email(self) -> str:
        return self.main_contact_person.get("email", "")


class ArtefactKind(StrEnum):
    SALES_INVOICE = "sales_invoices"
    SALES_CREDIT_NOTE = "sales_credit_notes"
    PURCHASE_INVOICE = "purchase_invoices"
    PURCHASE_CREDIT_NOTE = "purchase_credit_notes"

    @property
    def is_sales(self) -> bool:
        return self in (ArtefactKind.SALES_INVOICE, ArtefactKind.SALES_CREDIT_NOTE)

    @property
    def is_credit(self) -> bool:
        return self in (ArtefactKind.SALES_CREDIT_NOTE, ArtefactKind.PURCHASE_CREDIT_NOTE)

    @property
    def root(self) -> str:
        return self.value[:-1]

    @property
    def lines_key(self) -> str:
        return "credit_note_lines" if self.is_credit else "invoice_lines"

    @property
    def number_prefix(self) -> str:
        return {"sales_invoices": "SI-", "sales_credit_notes": "SCN-", "purchase_invoices": "PI-"}.get(
            self.value, "PCN-"
        )


@dataclass
class Line:
    id: str
    description: str
    ledger_account_id: str
    tax_rate_id: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal


@dataclass
class Artefact(Stamped):
    kind: ArtefactKind
    number: str
    contact_id: str
    date: dt.date
    due_date: dt.date | None
    lines: list[Line]
    reference: str = ""
    vendor_reference: str = ""
    notes: str = ""
    original_invoice_number: str = ""
    paid: Decimal = ZERO
    void_reason: str = ""
    tax_reconciled: bool = False
    deleted_at: dt.datetime | None = None
    allocations: dict[str, Decimal] = field(default_factory=dict)  # payment/allocation id -> amount

    @property
    def net_amount(self) -> Decimal:
        return sum((line.net_amount for line in self.lines), ZERO)

    @property
    def tax_amount(self) -> Decimal:
        return sum((line.tax_amount for line in self.lines), ZERO)

    @property
    def total_amount(self) -> Decimal:
        return sum((line.total_amount for line in self.lines), ZERO)

    @property
    def voided(self) -> bool:
        return bool(self.void_reason) or self.deleted_at is not None

    @property
    def outstanding_amount(self) -> Decimal:
        return ZERO if self.voided else self.total_amount - self.paid

    @property
    def status(self) -> str:
        if self.voided:
            return "VOID"
        if self.paid <= ZERO:
            return "UNPAID"
        return "PAID" if self.outstanding_amount <= ZERO else "PART_PAID"

    @property
    def editable(self) -> bool:
        return not self.voided and self.paid == ZERO and not self.tax_reconciled


@dataclass
class Payment(Stamped):
    transaction_type_id: str
    contact_id: str
    bank_account_id: str
    date: dt.date
    total_amount: Decimal
    reference: str = ""
    payment_method_id: str = ""
    allocated: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # artefact, amount, discount
    on_account: Decimal = ZERO
    deleted_at: dt.datetime | None = None


@dataclass
class Allocation(Stamped):
    transaction_type_id: str
    contact_id: str
    date: dt.date
    allocated: list[tuple[str, Decimal]] = field(default_factory=list)


@dataclass
class FinancialSettings:
    year_end_date: dt.date
    accounts_start_date: dt.date
    year_end_lockdown_date: dt.date | None = None


@dataclass
class Business:
    id: str
    name: str
    country: str
    tier: Tier
    settings: FinancialSettings
    created_at: dt.datetime
    subscription_active: bool = True
    ledger_accounts: dict[str, LedgerAccount] = field(default_factory=dict)
    bank_accounts: dict[str, BankAccount] = field(default_factory=dict)
    tax_rates: dict[str, TaxRate] = field(default_factory=dict)
    payment_methods: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    contacts_by_reference: dict[str, str] = field(default_factory=dict)
    artefacts: dict[ArtefactKind, dict[str, Artefact]] = field(
        default_factory=lambda: {kind: {} for kind in ArtefactKind}
    )
    artefacts_by_id: dict[str, Artefact] = field(default_factory=dict)
    artefacts_by_contact: dict[str, list[str]] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    payments_by_contact: dict[str, list[str]] = field(default_factory=dict)
    allocations: dict[str, Allocation] = field(default_factory=dict)
    numbers: dict[ArtefactKind, int] = field(default_factory=lambda: dict.fromkeys(ArtefactKind, 0))
    deletions: dict[str, dict[str, dt.datetime]] = field(default_factory=dict)  # resource -> id -> when

    def record_deletion(self, resource: str, record_id: str, when: dt.datetime) -> None:
        """Remember a deletion, so `deleted_since` can report it."""
        self.deletions.setdefault(resource, {})[record_id] = when

    def counts(self) -> dict[str, int]:
        counts = {
            "contacts": len(self.contacts),
            "ledger_accounts": len(self.ledger_accounts),
            "bank_accounts": len(self.bank_accounts),
            "tax_rates": len(self.tax_rates),
            "payment_methods": len(self.payment_methods),
        }
        for kind, records in self.artefacts.items():
            counts[kind.value] = sum(1 for record in records.values() if record.deleted_at is None)
        counts["contact_payments"] = sum(1 for p in self.payments.values() if p.deleted_at is None)
        counts["contact_allocations"] = len(self.allocations)
        return counts

    def contact_balance(self, contact_id: str) -> Decimal:
        """What a customer owes us, or what we owe a supplier."""
        balance = ZERO
        for artefact_id in self.artefacts_by_contact.get(contact_id, ()):
            artefact = self.artefacts_by_id[artefact_id]
            sign = -1 if artefact.kind.is_credit else 1
            balance += sign * artefact.outstanding_amount
        for payment_id in self.payments_by_contact.get(contact_id, ()):
            payment = self.payments[payment_id]
            if payment.deleted_at is None and payment.on_account:
                refund = payment.transaction_type_id in ("CUSTOMER_REFUND", "VENDOR_REFUND")
                balance += payment.on_account if refund else -payment.on_account
        return balance


# --- the state and its rules -----------------------------------------------------------------------


class SageState:
    """Every business in the sandbox, and the rules each write must pass."""

    def __init__(self, *, rules: SandboxRules | None = None, clock: Clock = time.time) -> None:
        self.rules = rules or SandboxRules()
        self.clock = clock
        self.businesses: dict[str, Business] = {}

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(self.clock()), dt.UTC)

    def reset(self) -> None:
        self.businesses.clear()

    def business(self, business_id: str) -> Business:
        return self.businesses[business_id]

    # --- seeding ----------------------------------------------------------------------------------

    def seed(self, payload: dict[str, Any]) -> Business:
        now = self.now()
        today = now.date()
        lockdown = payload.get("year_end_lockdown_date")
        business = Business(
            id=str(payload.get("id") or new_id()),
            name=str(payload.get("name") or f"Sandbox Business {len(self.businesses) + 1}"),
            country=str(payload.get("country", "GB")).upper(),
            tier=Tier(str(payload.get("tier", "plus")).lower()),
            settings=FinancialSettings(
                year_end_date=dt.date(today.year, 12, 31),
                accounts_start_date=dt.date.fromisoformat(
                    str(payload.get("accounts_start_date", "2000-01-01"))
                ),
                year_end_lockdown_date=dt.date.fromisoformat(str(lockdown)) if lockdown else None,
            ),
            created_at=now,
        )
        if business.id in self.businesses:
            raise ValueError(f"business {business.id} exists already")
        by_code: dict[int, str] = {}
        for code, name, type_id in UK_CHART:
            default_rate = "GB_STANDARD" if type_id in SALES_TYPES | PURCHASE_TYPES else ""
            account = LedgerAccount(new_id(), now, now, code, name, type_id, default_rate)
            business.ledger_accounts[account.id] = account
            by_code[code] = account.id
        for code, name, type_id in BANK_ACCOUNTS:
            bank = BankAccount(new_id(), now, now, name, type_id, by_code[code], code)
            business.bank_accounts[bank.id] = bank
        for rate_id, name, percentage, taxable in GB_TAX_RATES:
            business.tax_rates[rate_id] = TaxRate(rate_id, name, percentage, taxable)
        business.payment_methods = dict(PAYMENT_METHODS)
        self.businesses[business.id] = business
        for item in payload.get("contacts", []) or []:
            self._seed_contact(business, item)
        return business

    def _seed_contact(self, business: Business, item: dict[str, Any]) -> Contact:
        kind = str(item.get("type", item.get("role", "customer"))).lower()
        type_id = "VENDOR" if kind in ("supplier", "vendor") else "CUSTOMER"
        address = item.get("address") or {}
        body: dict[str, Any] = {
            "name": str(item["name"]),
            "contact_type_ids": [type_id],
            "reference": str(item.get("reference", "")),
            "main_address": {key: str(value) for key, value in address.items()} if address else None,
            "main_contact_person": {
                key: str(item[key]) for key in ("email", "telephone", "mobile") if item.get(key)
            }
            or None,
            "tax_number": item.get("tax_number"),
        }
        parsed = bodies.parse_body("contact", {"contact": {k: v for k, v in body.items() if v}})
        assert isinstance(parsed, bodies.ContactCreate)
        return self.create_contact(business, parsed)

    # --- contacts ---------------------------------------------------------------------------------

    def _check_contact_fields(self, business: Business, body: bodies.ContactUpdate, own_id: str = "") -> None:
        problems = Problems()
        if body.contact_type_ids is not None:
            if not body.contact_type_ids:
                problems.add("contact_type_ids", "must contain at least one contact type")
            for index, type_id in enumerate(body.contact_type_ids):
                if type_id not in CONTACT_TYPES:
                    problems.add(f"contact_type_ids.{index}", "is not a valid contact type")
        if body.name is not None and not body.name.strip():
            problems.add("name", "can't be blank")
        if body.reference:
            if len(body.reference) > 10:
                problems.add("reference", "is too long (maximum is 10 characters)")
            holder = business.contacts_by_reference.get(body.reference.lower())
            if holder is not None and holder != own_id:
                problems.add("reference", "has already been taken")
        if body.credit_days is not None and not 0 <= body.credit_days <= 365:
            problems.add("credit_days", "must be between 0 and 365")
        for source, value in (
            ("default_sales_ledger_account_id", body.default_sales_ledger_account_id),
            ("default_purchase_ledger_account_id", body.default_purchase_ledger_account_id),
        ):
            if value and value not in business.ledger_accounts:
                problems.add(source, "is not a valid ledger account")
        if body.default_sales_tax_rate_id and body.default_sales_tax_rate_id not in business.tax_rates:
            problems.add("default_sales_tax_rate_id", "is not a valid tax rate")
        if body.tax_number and not _plausible_vat_number(body.tax_number):
            problems.add("tax_number", "is not a valid VAT number")
        problems.raise_if_any()

    def create_contact(self, business: Business, body: bodies.ContactCreate) -> Contact:
        self._check_contact_fields(business, body)
        now = self.now()
        contact = Contact(new_id(), now, now, body.name, list(dict.fromkeys(body.contact_type_ids)))
        self._apply_contact(business, contact, body)
        business.contacts[contact.id] = contact
        return contact

    def update_contact(self, business: Business, contact_id: str, body: bodies.ContactUpdate) -> Contact:
        contact = self._contact(business, contact_id)
        self._check_contact_fields(business, body, own_id=contact.id)
        if body.name is not None:
            contact.name = body.name
        if body.contact_type_ids is not None:
            contact.contact_type_ids = list(dict.fromkeys(body.contact_type_ids))
        self._apply_contact(business, contact, body)
        contact.updated_at = self.now()
        return contact

    @staticmethod
    def _apply_contact(business: Business, contact: Contact, body: bodies.ContactUpdate) -> None:
        if body.reference is not None and body.reference != contact.reference:
            business.contacts_by_reference.pop(contact.reference.lower(), None)
            contact.reference = body.reference
        if contact.reference:
            business.contacts_by_reference[contact.reference.lower()] = contact.id
        for name in (
            "tax_number",
            "notes",
            "source_guid",
            "default_sales_ledger_account_id",
            "default_purchase_ledger_account_id",
            "default_sales_tax_rate_id",
        ):
            value = getattr(body, name)
            if value is not None:
                setattr(contact, name, value)
        if body.credit_days is not None:
            contact.credit_days = body.credit_days
        if body.main_address is not None:
            contact.main_address = body.main_address.model_dump(exclude_none=True)
        if body.main_contact_person is not None:
            person = body.main_contact_person.model_dump(exclude_none=True)
            person.pop("contact_person_type_ids", None)
            contact.main_contact_person = person

    def delete_contact(self, business: Business, contact_id: str) -> None:
        contact = self._contact(business, contact_id)
        if contact.transactions:
            raise invalid("", "Contact cannot be deleted as it has transactions")
        business.contacts_by_reference.pop(contact.reference.lower(), None)
        del business.contacts[contact.id]
        business.record_deletion("contacts", contact.id, self.now())

    def _contact(self, business: Business, contact_id: str) -> Contact:
        contact = business.contacts.get(contact_id)
        if contact is None:
            raise not_found("Contact")
        return contact

    # --- invoices and credit notes ----------------------------------------------------------------

    def _check_date(self, business: Business, value: dt.date | None, source: str, problems: Problems) -> None:
        lockdown = business.settings.year_end_lockdown_date
        if value is not None and lockdown is not None and value <= lockdown:
            problems.add(source, f"must be after the year end lockdown date ({lockdown.isoformat()})")

    def _lines(
        self,
        business: Business,
        kind: ArtefactKind,
        lines: Sequence[bodies.LineUpdate],
        problems: Problems,
    ) -> list[Line]:
        built: list[Line] = []
        prefix = kind.lines_key
        if not lines:
            problems.add(prefix, "must contain at least one line")
        for index, line in enumerate(lines):
            source = f"{prefix}.{index}"
            for name in ("description", "ledger_account_id", "unit_price"):
                if getattr(line, name) is None:
                    problems.add(f"{source}.{name}", "must be present")
            if not kind.is_sales and line.quantity is None:
                problems.add(f"{source}.quantity", "must be present")
            account = business.ledger_accounts.get(line.ledger_account_id or "")
            if line.ledger_account_id is not None and account is None:
                problems.add(f"{source}.ledger_account_id", "is not a valid ledger account")
            elif account is not None:
                suits = account.visible_in_sales if kind.is_sales else account.visible_in_expenses
                if not suits:
                    side = "sales" if kind.is_sales else "purchase"
                    problems.add(f"{source}.ledger_account_id", f"cannot be used on a {side} artefact")
            rate_id = line.tax_rate_id or (account.tax_rate_id if account else "") or "GB_NO_TAX"
            rate = business.tax_rates.get(rate_id)
            if rate is None:
                problems.add(f"{source}.tax_rate_id", "is not a valid tax rate")
            if line.unit_price is None or line.description is None or line.ledger_account_id is None:
                continue
            quantity = line.quantity if line.quantity is not None else Decimal(1)
            if quantity < 0 or line.unit_price < 0:
                problems.add(f"{source}.unit_price", "must not be negative")
            computed = pennies(quantity * line.unit_price) - pennies(line.discount_amount or ZERO)
            net = computed if line.net_amount is None else line.net_amount
            if abs(net - computed) > PENNY:
                problems.add(f"{source}.net_amount", f"does not equal quantity x unit_price ({computed})")
            tax = ZERO
            if rate is not None and rate.taxable and rate.percentage > 0:
                expected = pennies(net * rate.percentage / 100)
                if line.tax_amount is None:
                    problems.add(f"{source}.tax_amount", "must be present")
                else:
                    tax = line.tax_amount
                    if abs(tax - expected) > self.rules.tax_tolerance:
                        problems.add(
                            f"{source}.tax_amount",
                            f"does not match the tax rate {rate.id} (expected {expected})",
                        )
            elif line.tax_amount is not None and line.tax_amount != 0:
                problems.add(f"{source}.tax_amount", f"must be 0 for tax rate {rate_id}")
            total = net + tax
            if line.total_amount is not None and line.total_amount != total:
                problems.add(f"{source}.total_amount", f"does not equal net_amount + tax_amount ({total})")
            built.append(
                Line(
                    new_id(),
                    line.description,
                    line.ledger_account_id,
                    rate_id,
                    quantity,
                    line.unit_price,
                    pennies(net),
                    pennies(tax),
                    pennies(total),
                )
            )
        return built

    def _document_fields(
        self,
        business: Business,
        kind: ArtefactKind,
        *,
        contact_id: str,
        date: dt.date,
        due_date: dt.date | None,
        lines: Sequence[bodies.LineUpdate],
        header: bodies.DocumentUpdate,
    ) -> list[Line]:
        problems = Problems()
        contact = business.contacts.get(contact_id)
        if contact is None:
            problems.add("contact_id", "is not a valid contact")
        else:
            needed = "CUSTOMER" if kind.is_sales else "VENDOR"
            if needed not in contact.contact_type_ids:
                problems.add("contact_id", f"must be a {CONTACT_TYPES[needed].lower()}")
        self._check_date(business, date, "date", problems)
        if due_date is not None and due_date < date:
            problems.add("due_date", "must be on or after the date")
        built = self._lines(business, kind, lines, problems)
        if not problems.items:
            for name in ("net_amount", "tax_amount", "total_amount"):
                stated = getattr(header, name)
                summed = sum((getattr(line, name) for line in built), ZERO)
                if stated is not None and stated != summed:
                    problems.add(name, f"does not equal the sum of the lines ({summed})")
        problems.raise_if_any()
        return built

    def create_artefact(
        self, business: Business, kind: ArtefactKind, body: bodies.DocumentUpdate
    ) -> Artefact:
        lines: list[bodies.LineUpdate] = list(getattr(body, kind.lines_key) or [])
        assert body.contact_id is not None
        assert body.date is not None
        contact = business.contacts.get(body.contact_id)
        credit_days = (contact.credit_days if contact else None) or self.rules.default_credit_days
        due_date = body.due_date
        if due_date is None and not kind.is_credit:
            due_date = body.date + dt.timedelta(days=credit_days)
        built = self._document_fields(
            business,
            kind,
            contact_id=body.contact_id,
            date=body.date,
            due_date=due_date,
            lines=lines,
            header=body,
        )
        now = self.now()
        business.numbers[kind] += 1
        artefact = Artefact(
            new_id(),
            now,
            now,
            kind,
            f"{kind.number_prefix}{business.numbers[kind]}",
            body.contact_id,
            body.date,
            due_date,
            built,
            reference=body.reference or "",
            vendor_reference=str(getattr(body, "vendor_reference", None) or ""),
            notes=body.notes or "",
            original_invoice_number=str(getattr(body, "original_invoice_number", None) or ""),
        )
        business.artefacts[kind][artefact.id] = artefact
        business.artefacts_by_id[artefact.id] = artefact
        business.artefacts_by_contact.setdefault(artefact.contact_id, []).append(artefact.id)
        business.contacts[artefact.contact_id].transactions += 1
        return artefact

    def artefact(self, business: Business, kind: ArtefactKind, artefact_id: str) -> Artefact:
        artefact = business.artefacts[kind].get(artefact_id)
        if artefact is None or artefact.deleted_at is not None:
            raise not_found(kind.root.replace("_", " ").capitalize())
        return artefact

    def update_artefact(
        self, business: Business, kind: ArtefactKind, artefact_id: str, body: bodies.DocumentUpdate
    ) -> Artefact:
        artefact = self.artefact(business, kind, artefact_id)
        if artefact.tax_reconciled:
            raise invalid("", "cannot be edited as it has been included in a VAT return")
        if not artefact.editable:
            raise invalid("", f"cannot be edited as it is {artefact.status.lower().replace('_', ' ')}")
        if body.contact_id is not None and body.contact_id != artefact.contact_id:
            raise invalid("contact_id", "cannot be changed")
        problems = Problems()
        self._check_date(business, artefact.date, "date", problems)
        problems.raise_if_any()
        new_lines = getattr(body, kind.lines_key)
        lines: list[bodies.LineUpdate] = (
            list(new_lines) if new_lines is not None else [_line_body(line) for line in artefact.lines]
        )
        date = body.date or artefact.date
        due_date = body.due_date or artefact.due_date
        built = self._document_fields(
            business,
            kind,
            contact_id=artefact.contact_id,
            date=date,
            due_date=due_date,
            lines=lines,
            header=body,
        )
        artefact.lines = built
        artefact.date = date
        artefact.due_date = due_date
        for name in ("reference", "notes", "vendor_reference"):
            value = getattr(body, name, None)
            if value is not None:
                setattr(artefact, name, value)
        artefact.updated_at = self.now()
        return artefact

    def void_artefact(self, business: Business, kind: ArtefactKind, artefact_id: str, reason: str) -> None:
        artefact = self.artefact(business, kind, artefact_id)
        if artefact.voided:
            raise invalid("", "has already been voided")
        if artefact.tax_reconciled:
            raise invalid("", "cannot be voided as it has been included in a VAT return")
        problems = Problems()
        self._check_date(business, artefact.date, "date", problems)
        problems.raise_if_any()
        if self.rules.refuse_void_with_allocations and artefact.allocations:
            raise invalid("", "cannot be voided while payments or allocations are set against it")
        if kind.is_sales:
            if not reason.strip():
                raise invalid("void_reason", "must be present")
            artefact.void_reason = reason
        else:  # purchase artefacts are deleted rather than voided
            artefact.deleted_at = self.now()
            business.record_deletion(kind.value, artefact.id, artefact.deleted_at)
            artefact.void_reason = reason or "deleted"
        artefact.updated_at = self.now()

    # --- payments and allocations -----------------------------------------------------------------

    def create_payment(self, business: Business, body: bodies.ContactPaymentCreate) -> Payment:
        problems = Problems()
        type_id = body.transaction_type_id
        allowed_kinds = {
            "CUSTOMER_RECEIPT": {ArtefactKind.SALES_INVOICE},
            "CUSTOMER_REFUND": {ArtefactKind.SALES_CREDIT_NOTE},
            "VENDOR_PAYMENT": {ArtefactKind.PURCHASE_INVOICE},
            "VENDOR_REFUND": {ArtefactKind.PURCHASE_CREDIT_NOTE},
        }.get(type_id)
        if allowed_kinds is None:
            problems.add("transaction_type_id", "is not a valid transaction type for a contact payment")
        contact = business.contacts.get(body.contact_id)
        if contact is None:
            problems.add("contact_id", "is not a valid contact")
        elif allowed_kinds is not None:
            needed = "CUSTOMER" if type_id.startswith("CUSTOMER") else "VENDOR"
            if needed not in contact.contact_type_ids:
                problems.add("contact_id", f"must be a {CONTACT_TYPES[needed].lower()}")
        if body.bank_account_id not in business.bank_accounts:
            problems.add("bank_account_id", "is not a valid bank account")
        if body.payment_method_id and body.payment_method_id not in business.payment_methods:
            problems.add("payment_method_id", "is not a valid payment method")
        self._check_date(business, body.date, "date", problems)
        if body.total_amount <= 0:
            problems.add("total_amount", "must be greater than 0")
        allocated: list[tuple[str, Decimal, Decimal]] = []
        seen: set[str] = set()
        for index, item in enumerate(body.allocated_artefacts or []):
            source = f"allocated_artefacts.{index}"
            if item.artefact_id is None:
                problems.add(f"{source}.artefact_id", "must be present")
                continue
            if item.amount is None:
                problems.add(f"{source}.amount", "must be present")
                continue
            artefact = business.artefacts_by_id.get(item.artefact_id)
            if artefact is None or artefact.deleted_at is not None:
                problems.add(f"{source}.artefact_id", "is not a valid artefact")
                continue
            if item.artefact_id in seen:
                problems.add(f"{source}.artefact_id", "is allocated twice")
            seen.add(item.artefact_id)
            if allowed_kinds is not None and artefact.kind not in allowed_kinds:
                problems.add(f"{source}.artefact_id", f"cannot be allocated by a {type_id}")
            if artefact.contact_id != body.contact_id:
                problems.add(f"{source}.artefact_id", "belongs to another contact")
            if artefact.voided:
                problems.add(f"{source}.artefact_id", "is void")
            if item.amount <= 0:
                problems.add(f"{source}.amount", "must be greater than 0")
            elif item.amount > artefact.outstanding_amount:
                problems.add(
                    f"{source}.amount", f"is more than the outstanding amount ({artefact.outstanding_amount})"
                )
            allocated.append((item.artefact_id, item.amount, item.discount or ZERO))
        on_account = ZERO
        if body.payment_on_account is not None and body.payment_on_account.total_amount is not None:
            on_account = body.payment_on_account.total_amount
            if on_account < 0:
                problems.add("payment_on_account.total_amount", "must not be negative")
        allocated_sum = sum((amount for _, amount, _ in allocated), ZERO)
        if not problems.items and allocated_sum + on_account != body.total_amount:
            problems.add(
                "total_amount",
                f"must equal the allocated amounts plus the payment on account ({allocated_sum + on_account})",
            )
        problems.raise_if_any()
        now = self.now()
        payment = Payment(
            new_id(),
            now,
            now,
            type_id,
            body.contact_id,
            body.bank_account_id,
            body.date,
            body.total_amount,
            reference=body.reference or "",
            payment_method_id=body.payment_method_id or "",
            allocated=allocated,
            on_account=on_account,
        )
        for artefact_id, amount, discount in allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid += amount + discount
            artefact.allocations[payment.id] = amount + discount
            artefact.updated_at = now
        business.payments[payment.id] = payment
        business.payments_by_contact.setdefault(payment.contact_id, []).append(payment.id)
        business.contacts[payment.contact_id].transactions += 1
        bank = business.bank_accounts[payment.bank_account_id]
        inflow = type_id in ("CUSTOMER_RECEIPT", "VENDOR_REFUND")
        bank.balance += payment.total_amount if inflow else -payment.total_amount
        return payment

    def payment(self, business: Business, payment_id: str) -> Payment:
        payment = business.payments.get(payment_id)
        if payment is None or payment.deleted_at is not None:
            raise not_found("Contact payment")
        return payment

    def delete_payment(self, business: Business, payment_id: str) -> None:
        payment = self.payment(business, payment_id)
        problems = Problems()
        self._check_date(business, payment.date, "date", problems)
        problems.raise_if_any()
        now = self.now()
        for artefact_id, _amount, _discount in payment.allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid -= artefact.allocations.pop(payment.id, ZERO)
            artefact.updated_at = now
        payment.deleted_at = now
        business.record_deletion("contact_payments", payment.id, now)
        payment.updated_at = now
        bank = business.bank_accounts[payment.bank_account_id]
        inflow = payment.transaction_type_id in ("CUSTOMER_RECEIPT", "VENDOR_REFUND")
        bank.balance -= payment.total_amount if inflow else -payment.total_amount

    def create_allocation(self, business: Business, body: bodies.ContactAllocationCreate) -> Allocation:
        problems = Problems()
        type_id = body.transaction_type_id
        if type_id not in ("CUSTOMER_ALLOCATION", "VENDOR_ALLOCATION"):
            problems.add("transaction_type_id", "is not a valid transaction type for a contact allocation")
        sales = type_id == "CUSTOMER_ALLOCATION"
        if body.contact_id not in business.contacts:
            problems.add("contact_id", "is not a valid contact")
        date = body.date or self.now().date()
        self._check_date(business, date, "date", problems)
        if len(body.allocated_artefacts) < 2:
            problems.add("allocated_artefacts", "must contain at least two artefacts")
        allocated: list[tuple[str, Decimal]] = []
        for index, item in enumerate(body.allocated_artefacts):
            source = f"allocated_artefacts.{index}"
            if item.artefact_id is None or item.amount is None:
                problems.add(source, "must have an artefact_id and an amount")
                continue
            artefact = business.artefacts_by_id.get(item.artefact_id)
            if artefact is None or artefact.deleted_at is not None:
                problems.add(f"{source}.artefact_id", "is not a valid artefact")
                continue
            if artefact.contact_id != body.contact_id:
                problems.add(f"{source}.artefact_id", "belongs to another contact")
            if artefact.kind.is_sales != sales:
                problems.add(f"{source}.artefact_id", f"cannot be allocated by a {type_id}")
            if artefact.voided:
                problems.add(f"{source}.artefact_id", "is void")
            if item.amount == 0:
                problems.add(f"{source}.amount", "must not be zero")
            elif abs(item.amount) > artefact.outstanding_amount:
                problems.add(
                    f"{source}.amount", f"is more than the outstanding amount ({artefact.outstanding_amount})"
                )
            allocated.append((item.artefact_id, item.amount))
        if sum((amount for _, amount in allocated), ZERO) != 0:
            problems.add("allocated_artefacts", "the allocated amounts must sum to zero")
        problems.raise_if_any()
        now = self.now()
        allocation = Allocation(new_id(), now, now, type_id, body.contact_id, date, allocated)
        for artefact_id, amount in allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid += abs(amount)
            artefact.allocations[allocation.id] = abs(amount)
            artefact.updated_at = now
        business.allocations[allocation.id] = allocation
        business.contacts[body.contact_id].transactions += 1
        return allocation

    def delete_allocation(self, business: Business, allocation_id: str) -> None:
        allocation = business.allocations.get(allocation_id)
        if allocation is None:
            raise not_found("Contact allocation")
        now = self.now()
        for artefact_id, _amount in allocation.allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid -= artefact.allocations.pop(allocation.id, ZERO)
            artefact.updated_at = now
        del business.allocations[allocation_id]
        business.record_deletion("contact_allocations", allocation_id, now)


def _line_body(line: Line) -> bodies.LineUpdate:
    return bodies.LineUpdate(
        description=line.description,
        ledger_account_id=line.ledger_account_id,
        unit_price=line.unit_price,
        quantity=line.quantity,
        net_amount=line.net_amount,
        tax_rate_id=line.tax_rate_id,
        tax_amount=line.tax_amount,
        total_amount=line.total_amount,
    )


def _plausible_vat_number(value: str) -> bool:
    """A UK or IE VAT number, with or without its country prefix (python-stdnum knows the rules)."""
    from stdnum.exceptions import ValidationError
    from stdnum.gb import vat as gb_vat
    from stdnum.ie import vat as ie_vat

    cleaned = value.replace(" ", "").upper()
    for module in (gb_vat, ie_vat):
        try:
            module.validate(cleaned)
            return True
        except ValidationError:
            continue
    return False
