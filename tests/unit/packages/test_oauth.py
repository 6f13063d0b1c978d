"""The OAuth2 client every package signs in with: how credentials travel, and how refusals are named."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import parse_qs

import httpx
import pytest

from ledgerlink.errors import ConfigurationError, PackageUnavailable, ReconnectNeeded
from ledgerlink.packages.connection import PackageSettings
from ledgerlink.packages.sage import SageAuth
from ledgerlink.packages.xero import XeroAuth

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SECRET_TOKEN = "rt-do-not-print-me"


def settings(base: str) -> PackageSettings:
    return PackageSettings(
        api_url=f"{base}/api", auth_url=f"{base}/authorize", token_url=f"{base}/token", client_secret="s3cret"
    )


class TokenEndpoint:
    """A token endpoint that remembers what it was sent and answers as told."""

    def __init__(self, status: int = 200, body: object | None = None) -> None:
        self.status = status
        self.body = body if body is not None else {"access_token": "at", "expires_in": 60}
        self.forms: list[dict[str, list[str]]] = []
        self.authorizations: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.forms.append(parse_qs(request.content.decode()))
        self.authorizations.append(request.headers.get("authorization", ""))
        return httpx.Response(self.status, json=self.body)


async def test_sage_sends_the_apps_credentials_in_the_form_and_xero_in_http_basic() -> None:
    sage_endpoint, xero_endpoint = TokenEndpoint(), TokenEndpoint()
    sage = SageAuth(
        settings("http://sage.test"), transport=httpx.MockTransport(sage_endpoint), now=lambda: NOW
    )
    xero = XeroAuth(
        settings("http://xero.test"), transport=httpx.MockTransport(xero_endpoint), now=lambda: NOW
    )

    sage_tokens = await sage.exchange_code("code-1")
    await xero.refresh("refresh-1")

    [sage_form], [sage_auth] = sage_endpoint.forms, sage_endpoint.authorizations
    [xero_form], [xero_auth] = xero_endpoint.forms, xero_endpoint.authorizations
    assert (sage_form["client_secret"], sage_form["grant_type"], sage_auth) == (
        ["s3cret"],
        ["authorization_code"],
        "",
    )
    assert "client_secret" not in xero_form
    assert xero_form["grant_type"] == ["refresh_token"]
    assert xero_auth == "Basic " + base64.b64encode(b"ledgerlink:s3cret").decode()
    assert sage_tokens.access_expires_at == NOW + dt.timedelta(seconds=60)


async def test_each_refusal_becomes_ledgerlinks_error_in_the_packages_name_without_the_token() -> None:
    def auth_answering(status: int, body: object) -> XeroAuth:
        return XeroAuth(
            settings("http://xero.test"), transport=httpx.MockTransport(TokenEndpoint(status, body))
        )

    with pytest.raises(ReconnectNeeded, match="reconnect Xero") as grant:
        await auth_answering(400, {"error": "invalid_grant"}).refresh(SECRET_TOKEN)
    with pytest.raises(ConfigurationError, match="LEDGERLINK_XERO_CLIENT_ID") as client:
        await auth_answering(401, {"error": "invalid_client"}).refresh(SECRET_TOKEN)
    with pytest.raises(PackageUnavailable, match="503") as down:
        await auth_answering(503, {}).refresh(SECRET_TOKEN)

    for raised in (grant, client, down):
        assert SECRET_TOKEN not in str(raised.value)
        assert raised.value.__cause__ is None


async def test_an_unreachable_sign_in_service_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    auth = SageAuth(settings("http://sage.test"), transport=httpx.MockTransport(refuse))

    with pytest.raises(PackageUnavailable, match="could not reach Sage's sign-in service"):
        await auth.refresh(SECRET_TOKEN)
