"""Signing in to a package over OAuth2: the authorisation-code flow, refresh and revocation, for all of them.

The token requests go through httpx-oauth's client, on the connection's own transport (an in-process
sandbox in tests). Each package's auth derives from `OAuth2PackageAuth` and says only what differs:
how the app's credentials travel (`client_secret_post` in the form or `client_secret_basic` in a
header, as each package requires), the extra parameters of its authorise page, how long its
tokens live when a reply does not say, and how it lists the businesses a user chose.

Every refusal becomes one of ledgerlink's errors, in the package's name: `invalid_grant` is
`ReconnectNeeded` (only a person can sign in again), a refused app is a `ConfigurationError` naming the
settings to check, an unreachable or failing sign-in service is `PackageUnavailable`, anything else is
`Rejected` with the package's own description. No token ever reaches a message: errors carry the
package's error code and description only, and `TokenSet`'s repr leaves the tokens out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx
from httpx_oauth.oauth2 import BaseOAuth2, OAuth2ClientAuthMethod, OAuth2RequestError

from ledgerlink.errors import ConfigurationError, PackageUnavailable, Problem, ReconnectNeeded, Rejected
from ledgerlink.packages.base import PackageAuth
from ledgerlink.packages.connection import PackageSettings, TokenSet


class _Client(BaseOAuth2[dict[str, Any]]):
    """httpx-oauth's client on the transport ledgerlink chose for the package."""

    def __init__(
        self,
        settings: PackageSettings,
        *,
        method: OAuth2ClientAuthMethod,
        revocation_url: str | None,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        super().__init__(
            settings.client_id,
            settings.client_secret,
            settings.auth_url,
            settings.token_url,
            refresh_token_endpoint=settings.token_url,
            revoke_token_endpoint=revocation_url,
            token_endpoint_auth_method=method,
            revocation_endpoint_auth_method=method if revocation_url else None,
        )
        self._transport = transport

    @contextlib.asynccontextmanager
    async def _httpx_client(self) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=self._transport, timeout=30.0) as client:
            yield client

    def get_httpx_client(self) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
        return self._httpx_client()


class OAuth2PackageAuth(PackageAuth):
    """A package's OAuth2 sign-in; subclasses set the class attributes and list the businesses."""

    package_name: ClassVar[str]  # the package as messages name it
    settings_prefix: ClassVar[str]  # the settings a refused app should check: "LEDGERLINK_<PACKAGE>"
    client_auth: ClassVar[OAuth2ClientAuthMethod]
    default_scope: ClassVar[str] = ""  # asked for when the settings name no scope
    access_lifetime: ClassVar[dt.timedelta]  # when a reply has no expires_in
    refresh_lifetime: ClassVar[dt.timedelta | None] = None  # when a reply has no refresh_token_expires_in
    no_refresh_token: ClassVar[str]  # why a connection may hold no refresh token, and what to do

    def __init__(
        self,
        settings: PackageSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__(settings, transport=transport)
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._oauth = _Client(
            settings, method=self.client_auth, revocation_url=self.revocation_url, transport=transport
        )

    @property
    def revocation_url(self) -> str | None:
        """Where a refresh token is revoked, for a package that offers it."""
        return None

    def authorization_params(self) -> dict[str, str]:
        """The package's own parameters on its authorise page (an API filter or a locale, say)."""
        return {}

    def authorization_url(self, *, state: str, redirect_uri: str | None = None) -> str:
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri or self.settings.redirect_uri,
            "scope": " ".join(self.settings.scopes) or self.default_scope,
            "state": state,
            **self.authorization_params(),
        }
        return f"{self.settings.auth_url}?{urlencode(query)}"

    async def exchange_code(self, code: str, *, redirect_uri: str | None = None) -> TokenSet:
        redirect = redirect_uri or self.settings.redirect_uri
        try:
            body = await self._oauth.get_access_token(code, redirect)
        except OAuth2RequestError as error:
            raise self._refusal(error) from None
        return self._token_set(body)

    async def refresh(self, refresh_token: str) -> TokenSet:
        if not refresh_token:
            raise ReconnectNeeded(self.no_refresh_token)
        try:
            body = await self._oauth.refresh_token(refresh_token)
        except OAuth2RequestError as error:
            raise self._refusal(error) from None
        return self._token_set(body)

    async def revoke(self, refresh_token: str) -> None:
        """Ask the package to forget a refresh token (and what was granted with it).

        A refusal is not an error: the token is being thrown away either way.
        """
        try:
            await self._oauth.revoke_token(refresh_token)
        except OAuth2RequestError as error:
            if error.response is None:
                raise PackageUnavailable(
                    f"could not reach {self.package_name}'s sign-in service to revoke access"
                ) from None

    def _token_set(self, body: dict[str, Any]) -> TokenSet:
        now = self._now()
        refresh_token = str(body.get("refresh_token", ""))
        refresh_seconds = body.get("refresh_token_expires_in")
        refresh_expires_at = (
            now + dt.timedelta(seconds=int(refresh_seconds))
            if refresh_seconds
            else now + self.refresh_lifetime
            if refresh_token and self.refresh_lifetime is not None
            else None
        )
        expires_in = body.get("expires_in")
        access_lifetime = dt.timedelta(seconds=int(expires_in)) if expires_in else self.access_lifetime
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=refresh_token,
            access_expires_at=now + access_lifetime,
            refresh_expires_at=refresh_expires_at,
            scope=str(body.get("scope", "")),
        )

    def _refusal(self, error: OAuth2RequestError) -> Exception:
        """The token endpoint's refusal as one of ledgerlink's errors; never with a token in it."""
        name = self.package_name
        response = error.response
        if response is None:
            return PackageUnavailable(f"could not reach {name}'s sign-in service: {error}")
        if response.status_code >= 500:
            return PackageUnavailable(f"{name}'s sign-in service answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        code = str(body.get("error", ""))
        if code == "invalid_grant":
            return ReconnectNeeded(f"{name} no longer accepts this sign-in (invalid_grant): reconnect {name}")
        if code in ("invalid_client", "unauthorized_client"):
            prefix = self.settings_prefix
            return ConfigurationError(
                f"{name} refused the app's credentials ({code}): check {prefix}_CLIENT_ID and "
                f"{prefix}_CLIENT_SECRET"
            )
        description = str(body.get("error_description") or code or response.text or response.status_code)
        return Rejected([Problem(description)])
