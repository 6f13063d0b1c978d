"""The Xero sandbox's records: what an organisation holds, as plain data with the figures derived from it.

The rules that create and change them are in `models.py`; how they look on the wire in `responses.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
ZERO_ID = "00000000-0000-0000-0000-000000000000"

AccountClass = Literal["ASSET", "EQUITY", "EXPENSE", "LIABILITY", "REVENUE"]
CLASS_OF_TYPE: dict[str, AccountClass] = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE",
}
FLAG_OF_CLASS = {
    "ASSET": "ASSETS",
    "EQUITY": "EQUITY",
    "EXPENSE": "EXPENSES",
    "LIABILITY": "LIABILITIES",
    "REVENUE": "REVENUE",
}
SALES_TYPES = frozenset({"ACCREC", "ACCRECCREDIT"})
CREDIT_TYPES = frozenset({"ACCRECCREDIT", "ACCPAYCREDIT"})


def new_id() -> str:
    return str(uuid.uuid4())


def pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass
class Account:
    id: str
    code: str
    name: str
    type: str
    tax_type: str = "NONE"
    status: str = "ACTIVE"
    system_account: str = ""
    enable_payments: bool = False
    bank_account_number: str = ""
    updated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def account_class(self) -> AccountClass:
        return CLASS_OF_TYPE.get(self.type, "ASSET")


@dataclass
class TaxRate:
    tax_type: str
    name: str
    rate: Decimal
    report_tax_type: str
    can_apply: dict[str, bool]
    status: str = "ACTIVE"


@dataclass
class Contact:
    id: str
    name: str
    updated: dt.datetime
    number: str = ""
    account_number: str = ""
    status: str = "ACTIVE"
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    tax_number: str = ""
    addresses: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    is_customer: bool = False
    is_supplier: bool = False


@dataclass
class Line:
    id: str
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str
    tax_type: str
    tax_amount: Decimal
    line_amount: Decimal
    discount_rate: Decimal | None = None


@dataclass
class Document:
    """An invoice (ACCREC, ACCPAY) or a credit note (ACCRECCREDIT, ACCPAYCREDIT)."""

    id: str
    type: str
    contact_id: str
    number: str
    date: dt.date
    status: str
    line_amount_types: str
    lines: list[Line]
    updated: dt.datetime
    due_date: dt.date | None = None
    reference: str = ""
    url: str = ""
    currency: str = "GBP"
    subtotal: Decimal = ZERO
    total_tax: Decimal = ZERO
    total: Decimal = ZERO
    amount_paid: Decimal = ZERO
    amount_credited: Decimal = ZERO  # invoices: credit allocated to them; credit notes: allocated away
    payment_ids: list[str] = field(default_factory=list)
    allocation_ids: list[str] = field(default_factory=list)
    fully_paid_on: dt.date | None = None

    @property
    def is_credit(self) -> bool:
        return self.type in CREDIT_TYPES

    @property
    def amount_due(self) -> Decimal:
        """What is left to pay (invoice) or to use (a credit note's RemainingCredit)."""
        if self.status in ("VOIDED", "DELETED"):
            return ZERO
        return self.total - self.amount_paid - self.amount_credited

    @property
    def collection(self) -> str:
        return "CreditNotes" if self.is_credit else "Invoices"


@dataclass
class Payment:
    id: str
    document_id: str
    account_id: str
    date: dt.date
    amount: Decimal
    payment_type: str
    updated: dt.datetime
    reference: str = ""
    status: str = "AUTHORISED"
    is_reconciled: bool = False
    batch_payment_id: str = ""


@dataclass
class Allocation:
    id: str
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    date: dt.date


@dataclass
class Overpayment:
    """Money received (RECEIVE) or paid (SPEND) on account, as Xero holds it after an overpayment bank transaction."""

    id: str
    bank_transaction_id: str
    type: str  # RECEIVE-OVERPAYMENT | SPEND-OVERPAYMENT
    contact_id: str
    account_id: str
    date: dt.date
    total: Decimal
    updated: dt.datetime
    reference: str = ""
    status: str = "AUTHORISED"
    allocated: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return ZERO if self.status == "VOIDED" else self.total - self.allocated


@dataclass
class BatchPayment:
    id: str
    account_id: str
    date: dt.date
    reference: str
    payment_ids: list[str]
    updated: dt.datetime


@dataclass
class OrganisationSettings:
    """Per-organisation switches for the behaviours Xero does not document."""

    put_with_existing_id: Literal["refuse", "update"] = "refuse"
    authorised_documents_per_month: int | None = None  # a plan cap: extras are saved as DRAFT
    period_lock_date: dt.date | None = None
    end_of_year_lock_date: dt.date | None = None


@dataclass
class Connection:
    id: str
    tenant_id: str
    auth_event_id: str
    created: dt.datetime
