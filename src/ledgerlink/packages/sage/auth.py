"""Signing in to Sage: the authorisation-code flow, rotating refresh tokens, and the user's businesses.

Client credentials go in the form body, as Sage asks. Both token lifetimes are read from each reply,
never assumed. A refresh token works once: the reply's new one must be stored before anything else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx

from ledgerlink.errors import ConfigurationError, PackageUnavailable, Problem, ReconnectNeeded, Rejected
from ledgerlink.packages.base import Business, PackageAuth, PackageSettings, TokenSet


class SageAuth(PackageAuth):
    """Sage's central sign-in (`filter=apiv3.1`) and token endpoint."""

    def __init__(
        self,
        settings: PackageSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(settings, transport=transport)
        self._now = now or (lambda: dt.datetime.now(dt.UTC))

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=30.0)

    def authorization_url(self, *, state: str, redirect_uri: str | None = None) -> str:
        query = {
            "filter": "apiv3.1",
            "client_id": self.settings.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri or self.settings.redirect_uri,
            "scope": " ".join(self.settings.scopes) or "full_access",
            "state": state,
        }
        country = self.settings.extra.get("country", "")
        if country:
            query["country"] = country.lower()  # skips Sage's country picker
        return f"{self.settings.auth_url}?{urlencode(query)}"

    async def _token_request(self, form: dict[str, str]) -> TokenSet:
        form = {**form, "client_id": self.settings.client_id, "client_secret": self.settings.client_secret}
        try:
            async with self._client() as client:
                response = await client.post(
                    self.settings.token_url, data=form, headers={"Accept": "application/json"}
                )
        except httpx.TransportError as error:
            raise PackageUnavailable(f"could not reach Sage's sign-in service: {error}") from error
        if response.status_code >= 500:
            raise PackageUnavailable(f"Sage's sign-in service answered {response.status_code}")
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200:
            code = str(body.get("error", ""))
            if code == "invalid_grant":
                raise ReconnectNeeded("Sage no longer accepts this sign-in (invalid_grant): reconnect Sage")
            if code in ("invalid_client", "unauthorized_client"):
                raise ConfigurationError(
                    f"Sage refused the app's credentials ({code}): check LEDGERLINK_SAGE_CLIENT_ID and "
                    "LEDGERLINK_SAGE_CLIENT_SECRET"
                )
            raise Rejected([Problem(str(body.get("error_description") or code or response.text))])
        now = self._now()
        refresh_lifetime = body.get("refresh_token_expires_in")
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token", "")),
            access_expires_at=now + dt.timedelta(seconds=int(body.get("expires_in", 300))),
            refresh_expires_at=now + dt.timedelta(seconds=int(refresh_lifetime))
            if refresh_lifetime
            else None,
            scope=str(body.get("scope", "")),
        )

    async def exchange_code(self, code: str, *, redirect_uri: str | None = None) -> TokenSet:
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri or self.settings.redirect_uri,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        if not refresh_token:
            raise ReconnectNeeded("no Sage refresh token is stored: reconnect Sage")
        return await self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def businesses(self, access_token: str) -> list[Business]:
        """Every business the signed-in user may reach (the lead business first, as Sage lists them)."""
        found: list[Business] = []
        url: str | None = f"{self.settings.api_url.rstrip('/')}/businesses"
        params: dict[str, Any] | None = {"items_per_page": 200}
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        async with self._client() as client:
            while url is not None:
                try:
                    response = await client.get(url, params=params, headers=headers)
                except httpx.TransportError as error:
                    raise PackageUnavailable(f"could not reach Sage: {error}") from error
                if response.status_code == 401:
                    raise ReconnectNeeded("Sage refused the access token while listing businesses")
                if response.status_code != 200:
                    raise PackageUnavailable(f"Sage answered {response.status_code} listing businesses")
                page = response.json()
                for item in page.get("$items", []):
                    country = item.get("country") or {}
                    found.append(
                        Business(
                            id=str(item["id"]),
                            name=str(item.get("name") or item.get("displayed_as") or ""),
                            country=str(country.get("id", "")) if isinstance(country, dict) else str(country),
                        )
                    )
                next_path = page.get("$next")
                url = f"{self.settings.api_url.rstrip('/')}{next_path}" if next_path else None
                params = None
        return found
