"""Get started: connect a package (OAuth2), choose the business, and the settings sending follows.

The authorisation code lives seconds and a second exchange can kill the tokens, so `finish` exchanges
it once, at once; the chosen business and the encrypted tokens are stored together. Disconnecting keeps
links, mappings and history, so reconnecting the same business carries on where it stopped.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from ledgerlink.errors import ConfigurationError, LedgerlinkError
from ledgerlink.packages.base import Business, TokenSet
from ledgerlink.services.runtime import Runtime
from ledgerlink.services.tokens import seal_tokens
from ledgerlink.store.connections import Connection, ConnectionRepository

OnboardingPath = Literal["new-package", "side-by-side", "package-first"]
ONBOARDING_PATHS: tuple[OnboardingPath, ...] = ("new-package", "side-by-side", "package-first")
SendMode = Literal["manual", "automatic"]


class ConnectRefused(LedgerlinkError):
    """The package or the person did not grant access (denied, wrong state, expired code)."""


@dataclass
class ConnectFlow:
    """One attempt to connect: the address to send the person to, then the code that comes back."""

    runtime: Runtime
    company_id: int
    package: str
    sandbox: bool
    redirect_uri: str
    state: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    tokens: TokenSet | None = None
    businesses: list[Business] = field(default_factory=list)

    def authorization_url(self) -> str:
        auth = self.runtime.auth(self.package, sandbox=self.sandbox)
        return auth.authorization_url(state=self.state, redirect_uri=self.redirect_uri)

    async def finish(self, *, code: str, state: str, error: str = "") -> list[Business]:
        """Exchange the code (once) and list the businesses the person granted."""
        if error:
            raise ConnectRefused(f"the package did not grant access: {error}")
        if not secrets.compare_digest(state, self.state):
            raise ConnectRefused("the reply does not belong to this sign-in (state differs); start again")
        auth = self.runtime.auth(self.package, sandbox=self.sandbox)
        self.tokens = await auth.exchange_code(code, redirect_uri=self.redirect_uri)
        self.businesses = await auth.businesses(self.tokens.access_token)
        if not self.businesses:
            raise ConnectRefused("the package granted access to no business")
        return self.businesses

    def choose(self, wanted: str = "") -> Connection:
        """Store the connection to the business named (by id or name), or the only one granted."""
        if self.tokens is None:
            raise ConfigurationError("finish signing in before choosing a business")
        business = pick_business(self.businesses, wanted)
        store = self.runtime.store
        with store.unit_of_work() as uow:
            connection = ConnectionRepository(uow.session, self.company_id).connect(
                package=self.package,
                business_id=business.id,
                business_name=business.name,
                sandbox=self.sandbox,
                sealed_tokens=seal_tokens(self.runtime.box, self.tokens),
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
    runtime: Runtime,
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
    with runtime.store.unit_of_work() as uow:
        repository = ConnectionRepository(uow.session, company_id)
        connection = repository.update_settings(connection_id, **values)
        if connection.cut_off_date is not None:
            repository.mark_step(connection_id, "get_started")
        uow.commit()
        return repository.get(connection_id)


def disconnect(runtime: Runtime, company_id: int, connection_id: int) -> None:
    """Forget the tokens; links, mappings and the outbox stay for a later reconnect."""
    with runtime.store.unit_of_work() as uow:
        ConnectionRepository(uow.session, company_id).set_status(connection_id, "disconnected")
        uow.commit()
