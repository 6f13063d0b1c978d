"""Signing in to Xero: its identity service, rotating refresh tokens, and the organisations chosen.

The flow itself is the shared OAuth2 client's (`packages/oauth.py`); Xero requires the client's
credentials in HTTP Basic, issues a refresh token only when `offline_access` was granted (one unused
for 60 days expires), and lists the organisations a user connected at `/connections`.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import httpx

from ledgerlink.errors import PackageUnavailable, ReconnectNeeded
from ledgerlink.packages.holdings import Business
from ledgerlink.packages.oauth import OAuth2PackageAuth


class XeroAuth(OAuth2PackageAuth):
    """Xero's identity service; client credentials go in HTTP Basic, as Xero requires."""

    package_name: ClassVar[str] = "Xero"
    settings_prefix: ClassVar[str] = "LEDGERLINK_XERO"
    client_auth = "client_secret_basic"
    access_lifetime: ClassVar[dt.timedelta] = dt.timedelta(seconds=1800)
    refresh_lifetime: ClassVar[dt.timedelta | None] = dt.timedelta(days=60)
    no_refresh_token: ClassVar[str] = (
        "Xero issued no refresh token (offline_access was not granted): reconnect Xero"
    )

    @property
    def connections_url(self) -> str:
        configured = self.settings.extra.get("connections_url")
        if configured:
            return configured
        return self.settings.api_url.split("/api.xro/")[0] + "/connections"

    @property
    def revocation_url(self) -> str:
        return self.settings.token_url.rsplit("/", 1)[0] + "/revocation"

    async def businesses(self, access_token: str) -> list[Business]:
        """The organisations the user connected: Xero's /connections."""
        try:
            async with httpx.AsyncClient(transport=self.transport, timeout=30.0) as client:
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
