"""The port: what any accounting package offers ledgerlink.

The engine talks to packages only through these types, so it never names one. A package adapter turns
the drafts below into its own wire format (its `mapping.py`) and its replies back into outcomes, and
raises only the errors of `ledgerlink.errors`. Each adapter declares its limits, its idempotency
mechanism and how it rounds VAT; the engine uses those declarations to batch and pace.

A draft is one record, ready for the package: every reference in it is already the package's own id
(the engine resolved links and mappings), and every figure is the jobs side's, computed per line.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal, Protocol

import httpx

from ledgerlink.domain.records import Address
from ledgerlink.errors import FeatureUnavailable, Problem, RateLimitScope


class DocumentType(StrEnum):
    """What a draft becomes in the package."""

    CONTACT = "contact"
    SALES_INVOICE = "sales_invoice"
    SALES_CREDIT_NOTE = "sales_credit_note"
    CUSTOMER_RECEIPT = "customer_receipt"
    CUSTOMER_REFUND = "customer_refund"
    CREDIT_ALLOCATION = "credit_allocation"
    PURCHASE_INVOICE = "purchase_invoice"
    PURCHASE_CREDIT_NOTE = "purchase_credit_note"
    SUPPLIER_PAYMENT = "supplier_payment"


class IdempotencyMechanism(StrEnum):
    BODY_FIELD = "body_field"  # Sage: idempotency_id inside the resource
    HEADER = "header"  # Xero: Idempotency-Key
    REQUEST_PARAMETER = "request_parameter"  # QuickBooks: requestid
    NATURAL_KEY_ONLY = "natural_key_only"  # a package with none: look up before every create


class VatRounding(StrEnum):
    PER_LINE = "per_line"
    PER_RATE = "per_rate"


@dataclass(frozen=True)
class Limits:
    """The pace a package allows one connection, and how many records one call may carry."""

    requests_per_minute: int
    concurrency: int
    requests_per_day: int | None = None
    app_requests_per_minute: int | None = None
    batch_sizes: Mapping[DocumentType, int] = field(default_factory=dict)
    max_request_bytes: int | None = None

    def batch_size(self, document_type: DocumentType) -> int:
        return self.batch_sizes.get(document_type, 1)


# --- what the package holds ------------------------------------------------------------------------


class AccountClass(StrEnum):
    """A package account's nature, which decides what may be booked to it."""

    INCOME = "income"
    OTHER_INCOME = "other_income"
    COST_OF_SALES = "cost_of_sales"
    EXPENSE = "expense"
    BANK = "bank"
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    OTHER = "other"


TaxUsage = Literal["sales", "purchase"]


@dataclass(frozen=True)
class Business:
    """A business (Sage), organisation (Xero) or company (QuickBooks) the user may connect."""

    id: str
    name: str
    country: str = ""


@dataclass(frozen=True)
class LedgerAccount:
    id: str
    code: str
    name: str
    account_class: AccountClass
    active: bool = True
    package_type: str = ""  # the package's own word for the type, shown to the user
    default_tax_rate_id: str = ""


@dataclass(frozen=True)
class BankAccount:
    id: str
    name: str
    code: str = ""
    active: bool = True
    ledger_account_id: str = ""


@dataclass(frozen=True)
class TaxRate:
    id: str
    name: str
    percent: Decimal
    active: bool = True
    usages: frozenset[TaxUsage] = frozenset({"sales", "purchase"})
    applies_to: frozenset[AccountClass] = frozenset()  # empty: any account the usage suits
    exempt_or_outside: bool = False  # exempt / no VAT, as opposed to a 0% zero rate


@dataclass(frozen=True)
class PackageContact:
    """A contact as the package holds it, flattened to what linking and importing need."""

    id: str
    name: str
    reference: str = ""
    is_customer: bool = False
    is_supplier: bool = False
    is_company: bool | None = None  # None: the package does not say
    first_name: str = ""
    last_name: str = ""
    contact_person: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: Address = field(default_factory=Address)
    vat_number: str = ""
    active: bool = True
    updated_at: datetime | None = None
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)


# --- what ledgerlink sends -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactDraft:
    key: str  # idempotency key, unique per connection, record and version
    source_id: str
    role: Literal["customer", "supplier"]
    name: str
    reference: str = ""
    is_company: bool = False
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: Address = field(default_factory=Address)
    vat_number: str = ""
    default_account_id: str = ""

    document_type: ClassVar[DocumentType] = DocumentType.CONTACT


@dataclass(frozen=True)
class LineDraft:
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    vat: Decimal
    account_id: str
    account_code: str
    tax_rate_id: str

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class DocumentDraft:
    """An invoice, credit note, bill or supplier credit note."""

    key: str
    source_id: str
    document_type: DocumentType
    contact_id: str
    number: str
    date: dt.date
    lines: tuple[LineDraft, ...]
    net: Decimal
    vat: Decimal
    gross: Decimal
    due_date: dt.date | None = None
    credits_document_id: str = ""  # the package id of the invoice a credit note credits
    credits_document_number: str = ""


@dataclass(frozen=True)
class AllocationLine:
    document_id: str  # the package's id of the invoice, bill or credit note
    document_type: DocumentType
    amount: Decimal


@dataclass(frozen=True)
class PaymentDraft:
    """A customer receipt, customer refund or supplier payment, with what it settles."""

    key: str
    source_id: str
    document_type: DocumentType
    contact_id: str
    bank_account_id: str
    bank_account_code: str
    date: dt.date
    amount: Decimal
    reference: str = ""
    allocations: tuple[AllocationLine, ...] = ()

    @property
    def on_account(self) -> Decimal:
        return self.amount - sum((a.amount for a in self.allocations), Decimal("0.00"))


@dataclass(frozen=True)
class CreditAllocationDraft:
    """A credit note set against the invoice it credits."""

    key: str
    source_id: str
    contact_id: str
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    date: dt.date
    purchase: bool = False

    document_type: ClassVar[DocumentType] = DocumentType.CREDIT_ALLOCATION


Draft = ContactDraft | DocumentDraft | PaymentDraft | CreditAllocationDraft


@dataclass(frozen=True)
class LedgerAccountDraft:
    code: str
    name: str
    account_class: AccountClass


@dataclass(frozen=True)
class PackageTotals:
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Created:
    """The package accepted the draft: its id, and the figures it computed, to compare with ours."""

    key: str
    package_id: str
    number: str = ""
    totals: PackageTotals | None = None
    status: str = ""
    related_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """The package refused this draft (the others in its batch may have gone)."""

    key: str
    problems: tuple[Problem, ...]


Outcome = Created | Refused


# --- what a connection needs -----------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None = None
    scope: str = ""

    def __repr__(self) -> str:  # tokens never reach a log through a repr
        return f"TokenSet(access_expires_at={self.access_expires_at!r}, scope={self.scope!r})"


class TokenSource(Protocol):
    """Where a connector gets its bearer token; refreshing is single-flight per connection."""

    async def access_token(self) -> str: ...

    async def refresh(self, stale_access_token: str) -> str:
        """A fresh token; if another worker already replaced `stale_access_token`, that one."""
        ...


@dataclass(frozen=True)
class LimitReport:
    """What the package's reply headers said about the budget left (None: it did not say)."""

    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_minute_remaining: int | None = None


class Pacer(Protocol):
    """Keeps one connection under its package's limits; the engine supplies it, shared across workers."""

    def slot(self) -> AbstractAsyncContextManager[None]:
        """Wait for permission to make one request, and hold a concurrency slot while it runs."""
        ...

    def observe(self, report: LimitReport) -> None: ...

    def slow_down(self, retry_after: float, scope: RateLimitScope) -> None: ...


@dataclass(frozen=True)
class PackageSettings:
    """Where a package lives and who we are to it; defaults are the real package's addresses."""

    api_url: str
    auth_url: str
    token_url: str
    client_id: str = "ledgerlink"
    client_secret: str = ""
    redirect_uri: str = "http://127.0.0.1:8700/connect/callback"
    scopes: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Exchange:
    """One request to the package and what came of it, kept so that nothing sent is ever lost."""

    method: str
    path: str
    status: int | None  # None: no reply came back
    request_id: str = ""
    duration: float = 0.0
    error: str = ""


@dataclass
class ConnectionContext:
    """Everything a connector needs to act for one connection."""

    business_id: str
    tokens: TokenSource
    settings: PackageSettings
    pacer: Pacer
    transport: httpx.AsyncBaseTransport | None = None  # an in-process sandbox in tests
    timeout: float = 30.0
    sleep: Callable[[float], Awaitable[None]] | None = None  # tests make waiting instant
    observer: Callable[[Exchange], None] | None = None  # the engine keeps every exchange


class PackageAuth(ABC):
    """The OAuth2 side of a package, before any business is chosen."""

    def __init__(self, settings: PackageSettings, *, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self.transport = transport

    @abstractmethod
    def authorization_url(self, *, state: str, redirect_uri: str | None = None) -> str: ...

    @abstractmethod
    async def exchange_code(self, code: str, *, redirect_uri: str | None = None) -> TokenSet:
        """Exchange once, at once: codes live seconds and a second exchange can kill the tokens."""

    @abstractmethod
    async def refresh(self, refresh_token: str) -> TokenSet:
        """Raises ReconnectNeeded on invalid_grant; never retried in a loop."""

    @abstractmethod
    async def businesses(self, access_token: str) -> list[Business]: ...


class PackageConnector(ABC):
    """One connection's view of its package: read lists and contacts, create and find records."""

    name: ClassVar[str]
    limits: ClassVar[Limits]
    idempotency: ClassVar[IdempotencyMechanism]
    vat_rounding: ClassVar[VatRounding] = VatRounding.PER_LINE
    supports_update: ClassVar[frozenset[DocumentType]] = frozenset()

    def __init__(self, context: ConnectionContext) -> None:
        self.context = context

    # reading
    @abstractmethod
    async def ledger_accounts(self) -> list[LedgerAccount]: ...

    @abstractmethod
    async def bank_accounts(self) -> list[BankAccount]: ...

    @abstractmethod
    async def tax_rates(self) -> list[TaxRate]: ...

    @abstractmethod
    def contacts(self, *, changed_since: datetime | None = None) -> AsyncIterator[PackageContact]:
        """Every contact, page by page; with `changed_since`, only those created or changed since."""

    @abstractmethod
    async def outstanding_balance(self, contact_id: str) -> Decimal:
        """What the contact owes (customer) or is owed (supplier), as the package says."""

    async def outstanding_balances(self, contact_ids: Sequence[str]) -> dict[str, Decimal]:
        """Balances of many contacts; a package that lists them with balances answers in fewer calls."""
        return {contact_id: await self.outstanding_balance(contact_id) for contact_id in contact_ids}

    # writing
    @abstractmethod
    async def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        """Create drafts of one type, at most `limits.batch_size(type)` of them, one outcome each.

        Raises for the whole call: RateLimited, AuthExpired (after one refresh failed), ReconnectNeeded,
        PackageUnavailable (nothing applied) or UncertainOutcome (may have been applied: replay with the
        same drafts, whose keys make the replay safe).
        """

    @abstractmethod
    async def find(self, draft: Draft) -> str | None:
        """The package id of the object this draft would create, looked up by its natural key."""

    async def update(self, package_id: str, draft: Draft) -> Outcome:
        """Change an object already sent, where the package allows it (see `supports_update`)."""
        raise FeatureUnavailable(f"{self.name} cannot update a {draft.document_type.value}")

    async def void(self, package_id: str, document_type: DocumentType, reason: str) -> None:
        raise FeatureUnavailable(f"{self.name} cannot void a {document_type.value}")

    async def create_ledger_account(self, draft: LedgerAccountDraft) -> LedgerAccount:
        raise FeatureUnavailable(f"{self.name} cannot create ledger accounts")

    @abstractmethod
    async def aclose(self) -> None:
        """Release the HTTP client."""
