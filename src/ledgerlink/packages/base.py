"""The port: what any accounting package offers ledgerlink.

The engine talks to packages only through these types, so it never names one. A package adapter turns
the drafts below into its own wire format (its `mapping.py`) and its replies back into outcomes, and
raises only the errors of `ledgerlink.errors`, each of which says once, on its type, whether it is
terminal for the record, terminal for the connection, passing, or of unknown outcome (its `effect`); an
adapter picks the type that says what happened, and anything else it lets escape is read as unknown:
the send stops, fails nothing and settles what was on its way later. Each adapter declares its limits,
its idempotency mechanism and how it rounds VAT; the engine uses those declarations to batch and pace.

A draft is one record, ready for the package: every reference in it is already the package's own id
(the engine resolved links and mappings), and every figure is the jobs side's, computed per line.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal, Protocol

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgerlink.domain.package_contact import PackageContact as PackageContact  # the port hands these out
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
    SUPPLIER_REFUND = "supplier_refund"


class IdempotencyMechanism(StrEnum):
    BODY_FIELD = "body_field"  # a key inside the resource's own body
    HEADER = "header"  # an Idempotency-Key header
    REQUEST_PARAMETER = "request_parameter"  # a request id in the query string
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
    # Kinds of call the package limits on their own, each to so many a minute (a batch endpoint's own
    # budget, say): a request of that kind counts against its kind's budget as well as the minute's.
    calls_per_minute: Mapping[str, int] = field(default_factory=dict)
    # The kind of call each document type goes as, where that kind has a budget of its own: what a
    # send says it has left counts those calls against their kind's budget too.
    call_kinds: Mapping[DocumentType, str] = field(default_factory=dict)

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
    """One set of books the user may connect (each package has its own word: business, organisation...)."""

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


class ContactPart(StrEnum):
    """What an import fills from a package's contact; the engine says what it does with each part."""

    ID = "id"
    ROLES = "roles"  # is_customer, is_supplier
    NAME = "name"
    CONTACT_PERSON = "contact_person"
    PERSON_NAMES = "first_name, last_name"
    REFERENCE = "reference"
    EMAIL = "email"
    PHONE = "phone"
    MOBILE = "mobile"
    ADDRESS_LINES = "address lines"
    TOWN = "town"
    COUNTY = "county"
    POSTCODE = "postcode"
    COUNTRY = "country"
    VAT_NUMBER = "vat_number"
    ACTIVE = "active"


@dataclass(frozen=True)
class ImportField:
    """One line of a package's import field table: which of its fields fills which part of a contact.

    `rule` is left empty where the engine's own rule for the part says it all, and says how this
    package's field differs where it does not.
    """

    package_field: str
    fills: ContactPart
    rule: str = ""


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
class OpeningOf:
    """What an opening item stands for: a document dated before the cut-off, still open at it.

    On the new-package path it goes to the package as an opening item: the draft carrying it is dated
    at the cut-off, for what was open, on the opening account with no VAT (the VAT was accounted
    before the cut-off); a package with a mechanism of its own for opening balances uses these facts.
    """

    date: dt.date  # the document's own date
    number: str  # the document's own number
    gross: Decimal  # its whole gross, of which the draft's gross was open at the cut-off
    cut_off: dt.date


@dataclass(frozen=True)
class OpeningItems:
    """How a package takes, on the new-package path, the documents still open at the cut-off.

    `how` says it in words (the docs and the mapping page quote it). A package that takes them as
    documents on an account names the account its own default chart keeps for it (`account_names`,
    best first) and what kind of account may stand in (`account_classes`), and its rate for no VAT
    (`tax_names`, by name or id); the mapping step suggests those, or says why it cannot. A package that
    takes them on an account but not as documents with tax (a journal entry) names no tax rate, and no
    rate is asked for. A package with its own opening-balance mechanism needs neither (both empty), and
    reads `DocumentDraft.opening`.
    """

    how: str
    account_names: tuple[str, ...] = ()
    account_classes: frozenset[AccountClass] = frozenset()
    tax_names: tuple[str, ...] = ()

    @property
    def needs_mapping(self) -> bool:
        return bool(self.account_classes)

    @property
    def needs_tax(self) -> bool:
        return self.needs_mapping and bool(self.tax_names)


@dataclass(frozen=True)
class DocumentDraft:
    """An invoice, credit note, bill or supplier credit note (`opening`: an opening item standing
    for one dated before the cut-off)."""

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
    credits_document_number: str = ""  # that invoice's number, as the bookkeeper knows it
    credits_document_date: dt.date | None = None
    opening: OpeningOf | None = None


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


def fitted_reference(value: str, limit: int) -> str:
    """`value` as a package that keeps at most `limit` characters can hold it, decided before sending.

    A value that fits is kept as it is; a longer one keeps its first characters and ends in a short
    digest of the whole, so it is the same on every send (a replay finds it again) and two long ids
    that share their start stay apart. A plugin says where it did this, so the person sees it and can
    give the record a shorter reference of their own.
    """
    if len(value) <= limit:
        return value
    digest = base64.b32encode(hashlib.blake2b(value.encode(), digest_size=5).digest()).decode()
    if limit <= 5:
        return digest[:limit]
    return f"{value[: limit - 5].rstrip()}-{digest[:4]}"


def fitted_note(what: str, value: str, sent_as: str, limit: int, package: str) -> str:
    """The warning kept with the entry when a reference was fitted to the package's length."""
    return (
        f"{package} keeps a {what} of up to {limit} characters: {value!r} was sent as {sent_as!r}; "
        f"give the record a {what} of {limit} characters or fewer to choose another"
    )


@dataclass(frozen=True)
class LedgerAccountDraft:
    """An account to make in the package's chart: its code, name, class and default tax rate (the
    package's tax rate id; empty leaves the package's own default for the type)."""

    code: str
    name: str
    account_class: AccountClass
    tax_rate_id: str = ""


@dataclass(frozen=True)
class PackageTotals:
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class OpenDocument:
    """An invoice or credit note the package holds with money still open on it: on the side-by-side
    path, what a document dated before the cut-off is linked to, so money set against it later is sent.

    `number` is the document's number as the package shows it (a purchase document's is the
    supplier's reference), `reference` the other number it keeps where it keeps one (a package that
    numbers its own sales documents keeps the bookkeeper's there); `outstanding` is what is still open,
    as a positive figure.
    """

    package_id: str
    document_type: DocumentType
    number: str
    contact_id: str
    date: dt.date
    outstanding: Decimal
    reference: str = ""


@dataclass(frozen=True)
class ContactBalance:
    """What a contact owes us as a customer and what we owe it as a supplier, as the package says.

    `apart` is False where the package gave one figure for the contact (held in `receivable`), so a
    contact that is both a customer and a supplier can be compared only as a whole.
    """

    receivable: Decimal
    payable: Decimal
    apart: bool = True


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


# --- what comes back from the package ----------------------------------------------------------------


class ChangeKind(StrEnum):
    """What a change made in the package is about; each connection chooses which kinds come back."""

    PAYMENT = "payment"  # a receipt, refund or supplier payment, with what it settles
    CREDIT_ALLOCATION = "credit_allocation"  # a credit note set against an invoice
    DOCUMENT = "document"  # an invoice, credit note or bill voided or deleted


@dataclass(frozen=True)
class PaymentChange:
    """A payment as the package holds it now; its allocations name the package's documents."""

    package_id: str
    document_type: DocumentType  # CUSTOMER_RECEIPT, CUSTOMER_REFUND or SUPPLIER_PAYMENT
    contact_id: str
    bank_account_id: str
    date: dt.date
    amount: Decimal
    changed_at: datetime
    reference: str = ""
    allocations: tuple[AllocationLine, ...] = ()

    change_kind: ClassVar[ChangeKind] = ChangeKind.PAYMENT


@dataclass(frozen=True)
class CreditAllocationChange:
    """A credit note set against an invoice in the package."""

    package_id: str
    contact_id: str
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    date: dt.date
    changed_at: datetime
    purchase: bool = False

    change_kind: ClassVar[ChangeKind] = ChangeKind.CREDIT_ALLOCATION


@dataclass(frozen=True)
class CreditAllocationsHeld:
    """Every allocation a credit note holds now, for a package where removing one leaves nothing of its
    own to read: the credit note is stamped changed, and lists only the allocations left on it."""

    package_id: str  # the credit note's
    allocation_ids: tuple[str, ...]
    changed_at: datetime
    purchase: bool = False

    change_kind: ClassVar[ChangeKind] = ChangeKind.CREDIT_ALLOCATION


@dataclass(frozen=True)
class DocumentChange:
    """An invoice, credit note or bill as the package holds it now (its figures, whether it is void)."""

    package_id: str
    document_type: DocumentType
    contact_id: str
    number: str
    gross: Decimal
    status: str  # the package's own word
    voided: bool
    changed_at: datetime

    change_kind: ClassVar[ChangeKind] = ChangeKind.DOCUMENT


@dataclass(frozen=True)
class Removal:
    """A payment, allocation or document the package no longer holds: only its id is left to read."""

    removed: ChangeKind
    package_id: str
    changed_at: datetime

    @property
    def change_kind(self) -> ChangeKind:
        return self.removed


PackageChange = PaymentChange | CreditAllocationChange | CreditAllocationsHeld | DocumentChange | Removal


@dataclass(frozen=True)
class ChangesRead:
    """One read of one change feed: what it held, and where the next read starts.

    The cursor is the package's own (a time, with whatever overlap its bounds need), opaque to the
    engine; a change may come back in more than one read, so whoever applies them must not mind.
    """

    changes: tuple[PackageChange, ...]
    cursor: str


class IncomingWebhooks(ABC):
    """A package that posts a notice when something changes: how to check one is the package's, and
    whose books it names. A notice is only ever a prompt to read the change feeds, never a change."""

    @abstractmethod
    def verify(self, key: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether the package signed `body` with `key` (the raw body, before any parsing)."""

    @abstractmethod
    def businesses(self, body: bytes) -> list[str]:
        """The businesses a verified notice names; none for a notice that only checks the receiver."""


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

    def slot(self, kind: str | None = None) -> AbstractAsyncContextManager[None]:
        """Wait for permission to make one request, and hold a concurrency slot while it runs.

        A `kind` the package limits on its own (`Limits.calls_per_minute`) waits for its kind's budget
        too; any other request spends only the connection's."""
        ...

    def observe(self, report: LimitReport) -> None: ...

    def slow_down(self, retry_after: float, scope: RateLimitScope) -> None: ...


class PackageConfig(BaseSettings):
    """One package's own settings, each read from `LEDGERLINK_<PACKAGE>_<NAME>` when it is made.

    A plugin subclasses it with its prefix and its real addresses as defaults; the engine reads it only
    through `PackageEntry.settings`, which turns it into the `PackageSettings` a connection uses. Any
    address beyond the three every package has is named in `extra_addresses`.
    """

    model_config = SettingsConfigDict(extra="ignore")

    api_url: str
    auth_url: str
    token_url: str
    client_id: str = ""
    client_secret: str = ""
    scopes: str = Field(default="", description="space-separated; empty means the package's default scopes")
    sandbox_url: str = Field(description="where the package's local sandbox answers, or is started")
    webhook_key: str = Field(default="", description="the key the package signs its webhooks with, if any")

    extra_addresses: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def address_names(cls) -> tuple[str, ...]:
        return ("api_url", "auth_url", "token_url", *cls.extra_addresses)

    @classmethod
    def real_addresses(cls) -> dict[str, str]:
        """The package's own addresses: the defaults, whatever the environment says."""
        return {name: str(cls.model_fields[name].default) for name in cls.address_names()}

    def addresses(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in self.address_names()}


@dataclass(frozen=True)
class PackageSettings:
    """Where a package lives and who we are to it, for one connection (`PackageEntry.settings` makes it)."""

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


@dataclass(frozen=True)
class Consent:
    """Something a package needs in its books before records can go there, which ledgerlink makes only
    once the user allows it for the connection: the mapping step asks, naming what would be made.

    A connector declares what it may ask (`PackageConnector.consents`) and finds what was given in its
    context (`ConnectionContext.consents`, by `name`).
    """

    name: str  # kept on the connection once given: a stable key, say "create_sales_items"
    needs: str  # what the package needs, in a sentence a bookkeeper understands
    action: str  # the offer, as a button or a command says it: "Create the items"


@dataclass
class ConnectionContext:
    """Everything a connector needs to act for one connection."""

    business_id: str
    tokens: TokenSource
    settings: PackageSettings
    pacer: Pacer
    consents: frozenset[str] = frozenset()  # the names of the connector's consents the user has given
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

    def signs_in_on_its_page(self) -> bool:
        """Whether the person signs in on the package's own page (OAuth2). A package reached with a login
        and a password instead (a server the business runs itself) answers False, and takes them in
        `sign_in`."""
        return True

    async def sign_in(self, login: str, password: str) -> TokenSet:
        """A login and password, for a package with no sign-in page: checked against the package, kept
        sealed as the connection's tokens; `businesses` then names the ones the login reaches."""
        raise FeatureUnavailable("this package signs in on its own page: follow the address it gives")

    def read_callback(self, params: Mapping[str, str]) -> None:  # noqa: B027 (most packages need none)
        """What the callback carries beside the code, for a package that names the chosen business
        there rather than through an API (`businesses` is asked next, on the same object)."""


Taken = Callable[[str], bool]


def nothing_taken(package_id: str) -> bool:
    return False


class PackageConnector(ABC):
    """One connection's view of its package: read lists and contacts, create and find records."""

    name: ClassVar[str]
    limits: ClassVar[Limits]
    idempotency: ClassVar[IdempotencyMechanism]
    # Whether replaying an uncertain create under its key proves what became of it: true only where the
    # package documents its idempotency mechanism. Where it is unconfirmed (the package may ignore the
    # key), the engine looks the record up by its natural key first and creates it again only if absent.
    replay_proves_outcome: ClassVar[bool] = True
    vat_rounding: ClassVar[VatRounding] = VatRounding.PER_LINE
    supports_update: ClassVar[frozenset[DocumentType]] = frozenset()
    # What the connector makes in the package only with the user's consent, asked at the mapping step.
    consents: ClassVar[tuple[Consent, ...]] = ()

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

    async def contact_balances(self, contact_ids: Sequence[str]) -> dict[str, ContactBalance]:
        """Receivable and payable apart where the package keeps them apart; here, its one figure."""
        balances = await self.outstanding_balances(contact_ids)
        return {
            contact_id: ContactBalance(receivable=amount, payable=Decimal("0.00"), apart=False)
            for contact_id, amount in balances.items()
        }

    async def open_documents(self, *, before: dt.date) -> list[OpenDocument]:
        """Sales and purchase invoices and credit notes dated before `before` with money still open."""
        raise FeatureUnavailable(f"{self.name} cannot list its open documents")

    # writing
    @abstractmethod
    async def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        """Create drafts of one type, at most `limits.batch_size(type)` of them, one outcome each.

        Raises for the whole call: RateLimited, AuthExpired (after one refresh failed), ReconnectNeeded,
        PackageUnavailable (nothing applied) or UncertainOutcome (may have been applied: replay with the
        same drafts, whose keys make the replay safe).
        """

    @abstractmethod
    async def find(self, draft: Draft, *, taken: Taken = nothing_taken) -> str | None:
        """The package id of the object this draft would create, looked up by its natural key.

        `taken(package_id)` is true for an object already linked to another record: never the answer,
        so two records a natural key cannot tell apart (two equal part-payments of one invoice) end
        linked to one object each, whichever was made first.
        """

    async def update(self, package_id: str, draft: Draft) -> Outcome:
        """Change an object already sent, where the package allows it (see `supports_update`)."""
        raise FeatureUnavailable(f"{self.name} cannot update a {draft.document_type.value}")

    async def void(self, package_id: str, document_type: DocumentType, reason: str) -> None:
        raise FeatureUnavailable(f"{self.name} cannot void a {document_type.value}")

    async def create_ledger_account(self, draft: LedgerAccountDraft) -> LedgerAccount:
        raise FeatureUnavailable(f"{self.name} cannot create ledger accounts")

    # what changed in the package
    change_feeds: ClassVar[Mapping[str, ChangeKind]] = {}  # each feed the package offers, and its kind

    async def read_changes(self, feed: str, cursor: str | None, *, start: datetime) -> ChangesRead:
        """What changed in one of `change_feeds` since `cursor` (None: since `start`, the first read).

        Every page is read before answering, so a cursor is only ever handed out with all it covers.
        """
        raise FeatureUnavailable(f"{self.name} offers no change feed {feed!r}")

    @abstractmethod
    async def aclose(self) -> None:
        """Release the HTTP client."""
