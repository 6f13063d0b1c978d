"""Signing in to Xero: the authorisation-code flow, rotating refresh tokens, and the organisations chosen."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import httpx

from ledgerlink.errors import ConfigurationError, PackageUnavailable, Problem, ReconnectNeeded, Rejected
from ledgerlink.packages.base import Business, PackageAuth, TokenSet


class XeroAuth(PackageAuth):
    """Xero's identity service; client credentials go in HTTP Basic, as Xero requires."""

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=30.0)

    def _basic(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.settings.client_id, self.settings.client_secret)

    @property
    def connections_url(self) -> str:
        configured = self.settings.extra.get("connections_url")
        if configured:
            return configured
        return self.settings.api_url.split("/api.xro/")[0] + "/connections"

    @property
    def revocation_url(self) -> str:
        return self.settings.token_url.rsplit("/", 1)[0] + "/revocation"

    def authorization_url(self, *, state: str, redirect_uri: str | None = None) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": redirect_uri or self.settings.redirect_uri,
                "scope": " ".join(self.settings.scopes),
                "state": state,
            }
        )
        return f"{self.settings.auth_url}?{query}"

    async def _token_request(self, form: dict[str, str]) -> TokenSet:
        try:
            async with self._client() as client:
                response = await client.post(self.settings.token_url, data=form, auth=self._basic())
        except httpx.TransportError as error:
            raise PackageUnavailable(f"could not reach Xero's identity service: {error}") from error
        try:
            body: dict[str, Any] = response.json() if response.content else {}
        except ValueError:
            body = {}
        if response.status_code >= 500:
            raise PackageUnavailable(f"Xero's identity service answered {response.status_code}")
        if response.status_code != 200:
            code = str(body.get("error", ""))
            if code == "invalid_grant":
                raise ReconnectNeeded("Xero no longer accepts this sign-in (invalid_grant): reconnect Xero")
            if code in ("invalid_client", "unauthorized_client"):
                raise ConfigurationError(
                    f"Xero refused the app's credentials ({code}): check LEDGERLINK_XERO_CLIENT_ID and "
                    "LEDGERLINK_XERO_CLIENT_SECRET"
                )
            raise Rejected([Problem(str(body.get("error_description") or code or response.text))])
        now = dt.datetime.now(dt.UTC)
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token", "")),
            access_expires_at=now + dt.timedelta(seconds=int(body.get("expires_in", 1800))),
            refresh_expires_at=now + dt.timedelta(days=60) if body.get("refresh_token") else None,
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
            raise ReconnectNeeded(
                "Xero issued no refresh token (offline_access was not granted): reconnect Xero"
            )
        return await self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def businesses(self, access_token: str) -> list[Business]:
        """The organisations the user connected: Xero's /connections."""
        try:
            async with self._client() as client:
                response = await client.get(
                    self.connections_url, headers={"Authorization": f"Bearer {access_token}"}
                )
        except httpx.TransportError as error:
            raise PackageUnavailable(f"could not reach Xero: {error}") from error
        if response.status_code == 401:
            raise ReconnectNeeded("Xero refused the access token while listing organisations")
        if response.status_code != 200:
            raise PackageUnavailable(f"Xero answered {response.status_code} listing organisations")
        return [
            Business(id=str(item["tenantId"]), name=str(item.get("tenantName") or ""), country="")
            for item in response.json()
            if str(item.get("tenantType", "ORGANISATION")).upper() == "ORGANISATION"
        ]

    async def revoke(self, refresh_token: str) -> None:
        """Disconnect: Xero forgets the refresh token and the connections made with it."""
        async with self._client() as client:
            await client.post(self.revocation_url, data={"token": refresh_token}, auth=self._basic())
