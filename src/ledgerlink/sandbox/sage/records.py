"""The Sage sandbox's records: what a business holds, as plain data with the figures derived from it.

The rules that create and change them are in `models.py`; how they look on the wire in `responses.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ledgerlink.sandbox.sage.seed import PURCHASE_TYPES, SALES_TYPES

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
    original_invoice_date: dt.date | None = None  # credit notes only: the date of what they credit
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
    opening_balances: dict[str, Artefact] = field(default_factory=dict)  # contact opening balances
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
        counts["contact_opening_balances"] = len(self.opening_balances)
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
