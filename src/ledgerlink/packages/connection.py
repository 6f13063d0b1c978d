"""The port: what a connection needs to reach its package, its tokens, settings, pacer and the pace
and idempotency mechanism the package declares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Protocol

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgerlink.errors import RateLimitScope
from ledgerlink.packages.drafts import DocumentType


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
