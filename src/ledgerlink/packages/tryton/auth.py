"""Signing in to Tryton: a login and a password, not OAuth2.

Tryton has no authorisation server. A connection keeps the Tryton user's `login:password` sealed where
other packages keep their tokens, and the client logs in with it for a session whenever it needs one.
Connected directly (`sign_in`), the person gives that login and password, and the businesses it reaches
are the server's databases it can log in to: each is tried, so a wrong password is said at once rather
than at the first send.

Where a sign-in page stands in front of Tryton (`LEDGERLINK_TRYTON_AUTH_URL` and `_TOKEN_URL`, as the
local sandbox has, so that connecting is the same as for any package), the person picks the business
there: `<auth_url>/authorize` gives a code, and `<token_url>/token` exchanges it once for the login and
the business chosen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import httpx

from ledgerlink.errors import AuthExpired, FeatureUnavailable, PackageUnavailable, ReconnectNeeded
from ledgerlink.packages.base import PackageAuth
from ledgerlink.packages.connection import TokenSet
from ledgerlink.packages.holdings import Business
from ledgerlink.packages.tryton.client import TrytonRpc, split_credentials

NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class TrytonAuth(PackageAuth):
    settings_prefix = "LEDGERLINK_TRYTON"

    granted: list[Business] | None = None  # what a sign-in page said the person chose

    def signs_in_on_its_page(self) -> bool:
        return bool(self.settings.auth_url)

    async def sign_in(self, login: str, password: str) -> TokenSet:
        if not login or ":" in login or not password:
            raise ReconnectNeeded("a Tryton login needs a user name (without a colon) and a password")
        secret = f"{login}:{password}"
        databases = await self._databases()
        self.granted = [database for database in databases if await self._logs_in(database.id, secret)]
        if not self.granted:
            where = ", ".join(d.name for d in databases) or "none"
            raise ReconnectNeeded(f"Tryton refused the login {login!r} on each of its databases ({where})")
        return TokenSet(access_token=secret, refresh_token="", access_expires_at=NEVER)

    async def _logs_in(self, database: str, secret: str) -> bool:
        async def credentials() -> str:
            return secret

        rpc = TrytonRpc(self.settings.api_url, database, credentials, transport=self.transport, timeout=30.0)
        try:
            await rpc.login()
        except AuthExpired:
            return False
        finally:
            await rpc.aclose()
        return True

    def authorization_url(self, *, state: str, redirect_uri: str | None = None) -> str:
        if not self.settings.auth_url:
            raise FeatureUnavailable(
                "Tryton has no sign-in page: connect with a Tryton login and password instead"
            )
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri or self.settings.redirect_uri,
            "state": state,
        }
        return f"{self.settings.auth_url.rstrip('/')}/authorize?{urlencode(query)}"

    async def exchange_code(self, code: str, *, redirect_uri: str | None = None) -> TokenSet:
        if self.settings.token_url:
            body = await self._exchange(code, redirect_uri or self.settings.redirect_uri)
            code = str(body.get("access_token") or "")
            self.granted = [
                Business(id=str(b["id"]), name=str(b.get("name") or b["id"]))
                for b in body.get("businesses") or []
            ]
        split_credentials(code)  # refused at once when incomplete
        return TokenSet(access_token=code, refresh_token="", access_expires_at=NEVER)

    async def _exchange(self, code: str, redirect_uri: str) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
        }
        async with httpx.AsyncClient(transport=self.transport, timeout=30.0) as client:
            try:
                reply = await client.post(f"{self.settings.token_url.rstrip('/')}/token", data=form)
            except httpx.TransportError as error:
                raise PackageUnavailable(f"could not reach Tryton's sign-in: {error}") from error
        if reply.status_code >= 500:
            raise PackageUnavailable(f"Tryton's sign-in answered {reply.status_code}")
        body = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
        if reply.status_code != 200 or not isinstance(body, dict):
            raise ReconnectNeeded(
                f"Tryton's sign-in refused the code ({body.get('error', reply.status_code)}): sign in again"
            )
        return body

    async def refresh(self, refresh_token: str) -> TokenSet:
        raise ReconnectNeeded("Tryton refused the login: connect again with the user's login and password")

    async def businesses(self, access_token: str) -> list[Business]:
        if self.granted is not None:
            return list(self.granted)
        return await self._databases()

    async def _databases(self) -> list[Business]:
        body = {"method": "common.db.list", "params": [], "id": 0}
        async with httpx.AsyncClient(transport=self.transport, timeout=30.0) as client:
            try:
                reply = await client.post(f"{self.settings.api_url.rstrip('/')}/rpc/", json=body)
            except httpx.TransportError as error:
                raise PackageUnavailable(f"could not reach Tryton: {error}") from error
        if reply.status_code != 200:
            raise PackageUnavailable(f"Tryton answered {reply.status_code} listing its databases")
        return [Business(id=str(name), name=str(name)) for name in reply.json().get("result") or []]
