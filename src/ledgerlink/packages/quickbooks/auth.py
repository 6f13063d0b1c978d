"""Signing in to QuickBooks: Intuit's consent page, its token endpoint with the app's credentials in
HTTP Basic, refresh tokens that roll (the one replaced still works a day), and the company chosen.

QuickBooks names the chosen company only as `realmId` on the consent callback, and has no call that
lists the companies a token reaches: `read_callback` keeps the realm, and `businesses` asks its
company-info call for its name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from ledgerlink.errors import PackageUnavailable, ReconnectNeeded
from ledgerlink.packages.connection import TokenSet
from ledgerlink.packages.holdings import Business
from ledgerlink.packages.oauth import OAuth2PackageAuth
from ledgerlink.packages.quickbooks.settings import MINOR_VERSION

SCOPE = "com.intuit.quickbooks.accounting"


class QuickBooksAuth(OAuth2PackageAuth):
    package_name: ClassVar[str] = "QuickBooks"
    settings_prefix: ClassVar[str] = "LEDGERLINK_QUICKBOOKS"
    client_auth = "client_secret_basic"
    default_scope: ClassVar[str] = SCOPE
    access_lifetime: ClassVar[dt.timedelta] = dt.timedelta(hours=1)
    refresh_lifetime: ClassVar[dt.timedelta | None] = dt.timedelta(days=100)
    no_refresh_token: ClassVar[str] = "no QuickBooks refresh token is stored: reconnect QuickBooks"

    def _token_set(self, body: dict[str, Any]) -> TokenSet:
        """Intuit reports the refresh token's life as `x_refresh_token_expires_in`."""
        if "x_refresh_token_expires_in" in body and "refresh_token_expires_in" not in body:
            body = {**body, "refresh_token_expires_in": body["x_refresh_token_expires_in"]}
        return super()._token_set(body)

    _realm: str = ""

    def read_callback(self, params: Mapping[str, str]) -> None:
        self._realm = str(params.get("realmId", ""))

    async def businesses(self, access_token: str) -> list[Business]:
        """The company chosen on the consent page, as its company-info call names it."""
        return [await self.company(access_token, self._realm)] if self._realm else []

    async def company(self, access_token: str, realm: str) -> Business:
        """The company behind a realmId, as its company-info call names it."""
        url = f"{self.settings.api_url.rstrip('/')}/{realm}/companyinfo/{realm}"
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        async with httpx.AsyncClient(transport=self.transport, timeout=30.0) as client:
            try:
                response = await client.get(url, params={"minorversion": MINOR_VERSION}, headers=headers)
            except httpx.TransportError as error:
                raise PackageUnavailable(f"could not reach QuickBooks: {error}") from error
        if response.status_code in (401, 403):
            raise ReconnectNeeded(f"QuickBooks refused the token for company {realm}: reconnect QuickBooks")
        if response.status_code != 200:
            raise PackageUnavailable(f"QuickBooks answered {response.status_code} reading company {realm}")
        info = response.json().get("CompanyInfo", {})
        return Business(
            id=realm, name=str(info.get("CompanyName", realm)), country=str(info.get("Country", ""))
        )
