"""Signing in to Sage: central sign-in with `filter=apiv3.1`, rotating refresh tokens, the user's businesses.

The flow itself is the shared OAuth2 client's (`packages/oauth.py`); Sage wants the client's
credentials in the form body, reports both token lifetimes in each reply, and lists businesses page by
page. A refresh token works once: the reply's new one must be stored before anything else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import httpx

from ledgerlink.errors import PackageUnavailable, ReconnectNeeded
from ledgerlink.packages.holdings import Business
from ledgerlink.packages.oauth import OAuth2PackageAuth


class SageAuth(OAuth2PackageAuth):
    """Sage's central sign-in (`filter=apiv3.1`) and token endpoint."""

    package_name: ClassVar[str] = "Sage"
    settings_prefix: ClassVar[str] = "LEDGERLINK_SAGE"
    client_auth = "client_secret_post"
    default_scope: ClassVar[str] = "full_access"
    access_lifetime: ClassVar[dt.timedelta] = dt.timedelta(seconds=300)
    no_refresh_token: ClassVar[str] = "no Sage refresh token is stored: reconnect Sage"

    def authorization_params(self) -> dict[str, str]:
        params = {"filter": "apiv3.1"}
        country = self.settings.extra.get("country", "")
        if country:
            params["country"] = country.lower()  # skips Sage's country picker
        return params

    async def businesses(self, access_token: str) -> list[Business]:
        """Every business the signed-in user may reach (the lead business first, as Sage lists them)."""
        found: list[Business] = []
        url: str | None = f"{self.settings.api_url.rstrip('/')}/businesses"
        params: dict[str, Any] | None = {"items_per_page": 200}
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        async with httpx.AsyncClient(transport=self.transport, timeout=30.0) as client:
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
