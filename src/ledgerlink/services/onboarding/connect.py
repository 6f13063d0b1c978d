"""Get started: connect a package (OAuth2), choose the business, and the settings sending follows.

The authorisation code lives seconds and a second exchange can kill the tokens, so `finish` exchanges
it once, at once; the chosen business and the encrypted tokens are stored together. A package with no
sign-in page of its own (a server the business runs itself) takes a login and a password instead
(`finish_with_login`), checked at once and kept sealed like tokens. Disconnecting keeps
links, mappings and history, so reconnecting the same business carries on where it stopped.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ledgerlink.errors import ConfigurationError, LedgerlinkError, RecordNotFound
from ledgerlink.packages.connection import TokenSet
from ledgerlink.packages.holdings import Business
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.tokens import seal_tokens
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

OnboardingPath = Literal["new-package", "side-by-side", "package-first"]
ONBOARDING_PATHS: tuple[OnboardingPath, ...] = ("new-package", "side-by-side", "package-first")
SendMode = Literal["manual", "automatic"]


class ConnectRefused(LedgerlinkError):
    """The package or the person did not grant access (denied, wrong state, expired code)."""


@dataclass
class ConnectFlow:
    """One attempt to connect: the address to send the person to, then the code that comes back."""

    connectors: ConnectorFactory
    company_id: int
    package: str
    sandbox: bool
    redirect_uri: str
    state: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    tokens: TokenSet | None = None
    businesses: list[Business] = field(default_factory=list)

    def authorization_url(self) -> str:
        auth = self.connectors.auth(self.package, sandbox=self.sandbox)
        return auth.authorization_url(state=self.state, redirect_uri=self.redirect_uri)

    async def finish(
        self, *, code: str, state: str, error: str = "", callback: Mapping[str, str] | None = None
    ) -> list[Business]:
        """Exchange the code (once) and list the businesses the person granted."""
        if error:
            raise ConnectRefused(f"the package did not grant access: {error}")
        if not secrets.compare_digest(state, self.state):
            raise ConnectRefused("the reply does not belong to this sign-in (state differs); start again")
        auth = self.connectors.auth(self.package, sandbox=self.sandbox)
        self.tokens = await auth.exchange_code(code, redirect_uri=self.redirect_uri)
        auth.read_callback(callback or {})
        self.businesses = await auth.businesses(self.tokens.access_token)
        if not self.businesses:
            raise ConnectRefused("the package granted access to no business")
        return self.businesses

    def signs_in_on_its_page(self) -> bool:
        return self.connectors.auth(self.package, sandbox=self.sandbox).signs_in_on_its_page()

    async def finish_with_login(self, login: str, password: str) -> list[Business]:
        """Sign in with a login and password (a package with no sign-in page), and list the businesses
        that login reaches."""
        auth = self.connectors.auth(self.package, sandbox=self.sandbox)
        self.tokens = await auth.sign_in(login, password)
        self.businesses = await auth.businesses(self.tokens.access_token)
        if not self.businesses:
            raise ConnectRefused("the login reaches no business in the package")
        return self.businesses

    def choose(self, wanted: str = "") -> Connection:
        """Store the connection to the business named (by id or name), or the only one granted."""
        if self.tokens is None:
            raise ConfigurationError("finish signing in before choosing a business")
        business = pick_business(self.businesses, wanted)
        store = self.connectors.store
        with store.unit_of_work() as uow:
            connection = uow.connections(self.company_id).connect(
                package=self.package,
                business_id=business.id,
                business_name=business.name,
                sandbox=self.sandbox,
                sealed_tokens=seal_tokens(self.connectors.box, self.tokens),
                access_expires_at=self.tokens.access_expires_at,
                refresh_expires_at=self.tokens.refresh_expires_at,
            )
            uow.commit()
        return connection


def pick_business(businesses: list[Business], wanted: str) -> Business:
    if wanted:
        for business in businesses:
            if wanted in (business.id, business.name) or business.name.lower() == wanted.lower():
                return business
        names = ", ".join(b.name for b in businesses)
        raise ConfigurationError(f"no business {wanted!r} among those granted: {names}")
    if len(businesses) > 1:
        names = ", ".join(b.name for b in businesses)
        raise ConfigurationError(f"several businesses were granted ({names}): choose one")
    return businesses[0]


def save_settings(
    connectors: ConnectorFactory,
    company_id: int,
    connection_id: int,
    *,
    onboarding_path: OnboardingPath | None = None,
    cut_off_date: date | None = None,
    send_mode: SendMode | None = None,
    send_interval_minutes: int | None = None,
) -> Connection:
    values: dict[str, object] = {}
    if onboarding_path is not None:
        if onboarding_path not in ONBOARDING_PATHS:
            raise ConfigurationError(f"the onboarding path is one of: {', '.join(ONBOARDING_PATHS)}")
        values["onboarding_path"] = onboarding_path
    if cut_off_date is not None:
        values["cut_off_date"] = cut_off_date
    if send_mode is not None:
        values["send_mode"] = send_mode
    if send_interval_minutes is not None:
        if send_interval_minutes < 5:
            raise ConfigurationError("send automatically at most every 5 minutes")
        values["send_interval_minutes"] = send_interval_minutes
    with connectors.store.unit_of_work() as uow:
        repository = uow.connections(company_id)
        connection = repository.update_settings(connection_id, **values)
        if connection.cut_off_date is not None:
            repository.mark_step(connection_id, "get_started")
        uow.commit()
        return repository.get(connection_id)


def choose_path(store: Store, company_id: int, path: str) -> None:
    """Keep the company's onboarding path, on the company (so it outlives the person's session, even
    before anything is connected) and on the connection in use, which the steps follow."""
    if path not in ONBOARDING_PATHS:
        raise ConfigurationError(f"the onboarding path is one of: {', '.join(ONBOARDING_PATHS)}")
    with store.unit_of_work() as uow:
        uow.companies.choose_onboarding_path(company_id, path)
        connection = uow.connections(company_id).current()
        if connection is not None:
            uow.connections(company_id).update_settings(connection.id, onboarding_path=path)
        uow.commit()


def disconnect(connectors: ConnectorFactory, company_id: int, connection_id: int) -> None:
    """Forget the tokens; links, mappings and the outbox stay for a later reconnect."""
    with connectors.store.unit_of_work() as uow:
        uow.connections(company_id).set_status(connection_id, "disconnected")
        uow.commit()


# --- the connection as stored ----------------------------------------------------------------------


def current_connection(store: Store, company_id: int) -> Connection | None:
    """The company's connection in use: the newest one not disconnected; None before connecting."""
    with store.unit_of_work() as uow:
        return uow.connections(company_id).current()


def stored_connection(store: Store, company_id: int, connection_id: int) -> Connection:
    """The company's connection as stored now, or RecordNotFound (another company's is not found)."""
    with store.unit_of_work() as uow:
        return uow.connections(company_id).get(connection_id)


def find_connection(store: Store, company_id: int, connection_id: int) -> Connection | None:
    """The company's connection as stored now; None when it is gone (or another company's)."""
    try:
        return stored_connection(store, company_id, connection_id)
    except RecordNotFound:
        return None
