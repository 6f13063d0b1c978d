"""Helpers for tests that drive the Sage connector against the Sage sandbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import httpx

from ledgerlink.packages.connection import PackageSettings, TokenSet
from ledgerlink.packages.sage import SageAuth

BASE = "http://sage.test"


def sandbox_settings(base: str = BASE) -> PackageSettings:
    return PackageSettings(
        api_url=f"{base}/v3.1",
        auth_url=f"{base}/oauth2/auth/central",
        token_url=f"{base}/token",
        client_id="ledgerlink",
        client_secret="sandbox-secret",
        redirect_uri="http://127.0.0.1:8700/connect/callback",
        scopes=("full_access",),
    )


@dataclass
class RefreshingTokens:
    """A connection's token source: refreshes through Sage's token endpoint, once per stale token."""

    auth: SageAuth
    tokens: TokenSet
    refreshes: int = 0

    async def access_token(self) -> str:
        return self.tokens.access_token

    async def refresh(self, stale_access_token: str) -> str:
        if stale_access_token == self.tokens.access_token:
            self.tokens = await self.auth.refresh(self.tokens.refresh_token)
            self.refreshes += 1
        return self.tokens.access_token


@dataclass
class Sleeps:
    """Stands in for asyncio.sleep: records how long the connector was asked to wait."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def seed(admin: httpx.AsyncClient, **payload: Any) -> str:
    reply = await admin.post("/_sandbox/seed", json={"name": "Hollis Heating Ltd", **payload})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def tokens_for(admin: httpx.AsyncClient, business_id: str, client_id: str = "ledgerlink") -> TokenSet:
    reply = await admin.post("/_sandbox/token", json={"business_id": business_id, "client_id": client_id})
    body = reply.json()
    now = dt.datetime.now(dt.UTC)
    return TokenSet(
        body["access_token"], body["refresh_token"], now + dt.timedelta(seconds=body["expires_in"])
    )
