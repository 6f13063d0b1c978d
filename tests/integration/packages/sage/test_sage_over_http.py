"""Sign-in and a lost reply over real HTTP on loopback, with the Sage sandbox served by uvicorn."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ledgerlink.errors import ReconnectNeeded, UncertainOutcome
from ledgerlink.packages.connection import ConnectionContext, PackageSettings
from ledgerlink.packages.drafts import ContactDraft, Created
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.sage import SageAuth, SageConnector
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.sandbox.sage.app import create_app
from tests.support.sage_sandbox import RefreshingTokens, sandbox_settings, tokens_for

CALLBACKS: list[dict[str, str]] = []


async def _callback(request: Request) -> PlainTextResponse:
    CALLBACKS.append(dict(request.query_params))
    return PlainTextResponse("Connected: you can close this window.")


@pytest.fixture
def sage_server() -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app()) as server:
        yield server


@pytest.fixture
def callback_server() -> Iterator[BackgroundServer]:
    CALLBACKS.clear()
    with BackgroundServer(Starlette(routes=[Route("/connect/callback", _callback)])) as server:
        yield server


def _settings(sage: BackgroundServer, callback: BackgroundServer) -> PackageSettings:
    base = sandbox_settings(sage.url)
    return PackageSettings(
        api_url=base.api_url,
        auth_url=base.auth_url,
        token_url=base.token_url,
        client_id=base.client_id,
        client_secret=base.client_secret,
        redirect_uri=f"{callback.url}/connect/callback",
        scopes=base.scopes,
    )


def _form_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


async def test_the_consent_page_leads_to_tokens_and_the_chosen_business_over_real_http(
    sage_server: BackgroundServer, callback_server: BackgroundServer
):
    settings = _settings(sage_server, callback_server)
    auth = SageAuth(settings)
    async with httpx.AsyncClient() as browser:
        business_id = (
            await browser.post(f"{sage_server.url}/_sandbox/seed", json={"name": "Hollis Heating"})
        ).json()["id"]
        await browser.post(f"{sage_server.url}/_sandbox/seed", json={"name": "Another Business"})
        page = await browser.get(auth.authorization_url(state="state-123"))
        assert page.status_code == 200
        assert re.search(rf'name="business" value="{business_id}"', page.text)
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None
        consent = await browser.post(
            f"{sage_server.url}{action.group(1)}",
            data={**_form_fields(page.text), "user": "Hollis", "business": business_id, "decision": "allow"},
        )
        assert consent.status_code == 302
        landed = await browser.get(consent.headers["location"])
        assert landed.status_code == 200
    [callback] = CALLBACKS
    assert callback["state"] == "state-123"
    assert urlparse(consent.headers["location"]).path == "/connect/callback"
    assert parse_qs(urlparse(consent.headers["location"]).query)["code"] == [callback["code"]]

    tokens = await auth.exchange_code(callback["code"])
    businesses = await auth.businesses(tokens.access_token)
    assert [(b.id, b.name) for b in businesses] == [(business_id, "Hollis Heating")]
    with pytest.raises(ReconnectNeeded):
        await auth.exchange_code(callback["code"])  # a code works once

    rotated = await auth.refresh(tokens.refresh_token)
    assert rotated.refresh_token != tokens.refresh_token
    with pytest.raises(ReconnectNeeded, match="invalid_grant"):
        await auth.refresh(tokens.refresh_token)


async def test_a_reply_dropped_over_real_http_is_uncertain_and_found_once(
    sage_server: BackgroundServer, callback_server: BackgroundServer
):
    settings = _settings(sage_server, callback_server)
    async with httpx.AsyncClient(base_url=sage_server.url) as admin:
        business_id = (await admin.post("/_sandbox/seed", json={"name": "Hollis Heating"})).json()["id"]
        tokens = RefreshingTokens(SageAuth(settings), await tokens_for(admin, business_id))
        connector = SageConnector(
            ConnectionContext(
                business_id=business_id, tokens=tokens, settings=settings, pacer=UnlimitedPacer()
            )
        )
        draft = ContactDraft(key="a" * 32, source_id="C1", role="customer", name="Ada", reference="ADA01")
        try:
            await admin.post(
                "/_sandbox/faults", json={"business_id": business_id, "drop_after_store_rate": 1.0}
            )
            with pytest.raises(UncertainOutcome):
                await connector.create([draft])
            await admin.post("/_sandbox/faults", json={"business_id": business_id})
            found = await connector.find(draft)
            [replayed] = await connector.create([draft])
        finally:
            await connector.aclose()
        assert isinstance(replayed, Created)
        assert found == replayed.package_id
        state = (await admin.get("/_sandbox/state")).json()
        assert state["businesses"][0]["counts"]["contacts"] == 1
