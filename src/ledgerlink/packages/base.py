"""The port: what any accounting package offers ledgerlink.

The engine talks to packages only through these types, so it never names one. A package adapter turns
the drafts below into its own wire format (its `mapping.py`) and its replies back into outcomes, and
raises only the errors of `ledgerlink.errors`, each of which says once, on its type, whether it is
terminal for the record, terminal for the connection, passing, or of unknown outcome (its `effect`); an
adapter picks the type that says what happened, and anything else it lets escape is read as unknown:
the send stops, fails nothing and settles what was on its way later. Each adapter declares its limits,
its idempotency mechanism and how it rounds VAT; the engine uses those declarations to batch and pace.

Here are the two things a plugin implements, its connector and its sign-in; the words they speak are
beside them: `holdings.py` (what a package holds), `drafts.py` (what ledgerlink sends, and what comes
of it), `changes.py` (what comes back from the package) and `connection.py` (what a connection needs).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

import httpx

from ledgerlink.domain.package_contact import PackageContact as PackageContact  # the port hands these out
from ledgerlink.errors import FeatureUnavailable
from ledgerlink.packages.changes import ChangeKind, ChangesRead
from ledgerlink.packages.connection import (
    ConnectionContext,
    Consent,
    IdempotencyMechanism,
    Limits,
    PackageSettings,
    TokenSet,
    VatRounding,
)
from ledgerlink.packages.drafts import (
    ContactBalance,
    DocumentType,
    Draft,
    LedgerAccountDraft,
    OpenDocument,
    Outcome,
)
from ledgerlink.packages.holdings import BankAccount, Business, LedgerAccount, TaxRate


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
