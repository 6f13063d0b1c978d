"""Signing in to the Xero sandbox over real HTTP on loopback, as a person and the connector would."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ledgerlink.errors import ReconnectNeeded
from ledgerlink.packages.connection import PackageSettings
from ledgerlink.packages.xero import XeroAuth
from ledgerlink.sandbox.kit import BackgroundServer, Grant, ManualClock
from ledgerlink.sandbox.xero.app import XeroSandbox, XeroSandboxConfig, create_app

SCOPES = ("openid", "offline_access", "accounting.contacts", "accounting.settings", "accounting.invoices")


def callback_app(received: list[dict[str, list[str]]]) -> Starlette:
    async def callback(request: Request) -> PlainTextResponse:
        received.append(parse_qs(request.url.query))
        return PlainTextResponse("You can close this window.")

    return Starlette(routes=[Route("/connect/callback", callback)])


def settings(base: str, redirect: str, scopes: tuple[str, ...] = SCOPES) -> PackageSettings:
    return PackageSettings(
        api_url=f"{base}/api.xro/2.0",
        auth_url=f"{base}/identity/connect/authorize",
        token_url=f"{base}/connect/token",
        client_id="ledgerlink-app",
        client_secret="s3cret",
        redirect_uri=redirect,
        scopes=scopes,
        extra={"connections_url": f"{base}/connections"},
    )


async def test_consent_choosing_an_organisation_then_code_exchange_then_connections_over_loopback() -> None:
    app = create_app(XeroSandboxConfig())
    sandbox: XeroSandbox = app.state.sandbox
    chosen = sandbox.seed({"name": "Hartley Heating Ltd"})
    sandbox.seed({"name": "Another Org Ltd"})
    received: list[dict[str, list[str]]] = []
    with BackgroundServer(app) as xero, BackgroundServer(callback_app(received)) as callback:
        auth = XeroAuth(settings(xero.url, f"{callback.url}/connect/callback"))
        async with httpx.AsyncClient(follow_redirects=True) as browser:
            page = await browser.get(auth.authorization_url(state="st-1"))
            assert "Hartley Heating Ltd" in page.text
            hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
            landed = await browser.post(
                f"{xero.url}/identity/connect/authorize",
                data={
                    **{k: v.replace("&amp;", "&") for k, v in hidden.items()},
                    "business": chosen,
                    "decision": "allow",
                    "user": "owner",
                },
            )
        assert landed.text == "You can close this window."
        [query] = received
        assert query["state"] == ["st-1"]

        tokens = await auth.exchange_code(query["code"][0])
        organisations = await auth.businesses(tokens.access_token)
        rotated = await auth.refresh(tokens.refresh_token)
        retried = await auth.refresh(tokens.refresh_token)  # the old one still works within the grace window

    assert [(b.id, b.name) for b in organisations] == [(chosen, "Hartley Heating Ltd")]
    assert tokens.refresh_token
    assert rotated.refresh_token != tokens.refresh_token
    assert retried.access_token
    assert (
        1790
        <= (
            tokens.access_expires_at - tokens.access_expires_at.now(tokens.access_expires_at.tzinfo)
        ).total_seconds()
        <= 1800
    )


async def test_a_rotated_away_refresh_token_dies_after_the_grace_window_and_asks_for_a_reconnect() -> None:
    clock = ManualClock(1_767_225_600.0)
    app = create_app(XeroSandboxConfig(clock=clock))
    sandbox: XeroSandbox = app.state.sandbox
    tenant = sandbox.seed({})
    auth = XeroAuth(
        settings("http://xero.test", "http://127.0.0.1/cb"), transport=httpx.ASGITransport(app=app)
    )
    code = sandbox.oauth.issue_code(
        Grant("ledgerlink-app", "owner", (tenant,), " ".join(SCOPES)),
        "http://127.0.0.1/cb",
    )
    first = await auth.exchange_code(code)
    await auth.refresh(first.refresh_token)
    clock.advance(1801)

    with pytest.raises(ReconnectNeeded):
        await auth.refresh(first.refresh_token)


async def test_no_refresh_token_without_offline_access() -> None:
    app = create_app(XeroSandboxConfig())
    sandbox: XeroSandbox = app.state.sandbox
    tenant = sandbox.seed({})
    auth = XeroAuth(
        settings("http://xero.test", "http://127.0.0.1/cb", ("accounting.contacts",)),
        transport=httpx.ASGITransport(app=app),
    )
    grant = Grant("ledgerlink-app", "owner", (tenant,), "accounting.contacts")

    tokens = await auth.exchange_code(sandbox.oauth.issue_code(grant, "http://127.0.0.1/cb"))

    assert tokens.refresh_token == ""
    assert [b.id for b in await auth.businesses(tokens.access_token)] == [tenant]


async def test_the_token_endpoint_wants_the_apps_credentials(admin: httpx.AsyncClient) -> None:
    reply = await admin.post("/connect/token", data={"grant_type": "refresh_token", "refresh_token": "x"})

    assert reply.status_code == 401
    assert reply.json()["error"] == "invalid_client"


async def test_a_deleted_connection_closes_the_organisation_to_that_token(
    admin: httpx.AsyncClient, api: httpx.AsyncClient, tenant: str
) -> None:
    bearer = {"Authorization": api.headers["Authorization"]}
    [connection] = (await admin.get("/connections", headers=bearer)).json()

    deleted = await admin.delete(f"/connections/{connection['id']}", headers=bearer)
    after = await api.get("/Contacts")

    assert connection["tenantId"] == tenant
    assert deleted.status_code == 204
    assert after.status_code == 403
    assert (await admin.get("/connections", headers=bearer)).json() == []


async def test_a_scope_the_token_lacks_is_forbidden(
    admin: httpx.AsyncClient, sandbox: XeroSandbox, tenant: str
) -> None:
    token = (
        await admin.post("/_sandbox/token", json={"business_id": tenant, "scope": "accounting.contacts.read"})
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant}

    read = await admin.get("/api.xro/2.0/Contacts", headers=headers)
    write = await admin.put("/api.xro/2.0/Contacts", headers=headers, json={"Contacts": [{"Name": "X"}]})
    invoices = await admin.get("/api.xro/2.0/Invoices", headers=headers)

    assert read.status_code == 200
    assert write.status_code == 403
    assert invoices.status_code == 403
