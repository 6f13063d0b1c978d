"""Signing in to the QuickBooks sandbox as Intuit has it: a company chosen on the consent page comes
back as `realmId`, the code works once, client credentials travel in HTTP Basic."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx

from ledgerlink.sandbox.quickbooks.app import QuickBooksSandbox


async def test_consent_names_the_chosen_company_as_realm_id_and_the_code_works_once(
    admin: httpx.AsyncClient, sandbox: QuickBooksSandbox
) -> None:
    sandbox.seed({"name": "First Ltd"})
    chosen = sandbox.seed({"name": "Hartley Heating Ltd"})
    params = {
        "client_id": "app",
        "redirect_uri": "http://cb.test/callback",
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "state": "s1",
    }

    page = await admin.get("/connect/oauth2", params=params)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    landed = await admin.post("/connect/oauth2", data={**hidden, "business": chosen, "decision": "allow"})
    callback = parse_qs(urlsplit(landed.headers["location"]).query)
    exchange = {
        "grant_type": "authorization_code",
        "code": callback["code"][0],
        "redirect_uri": "http://cb.test/callback",
    }
    tokens = await admin.post("/oauth2/v1/tokens/bearer", data=exchange, auth=("app", "secret"))
    again = await admin.post("/oauth2/v1/tokens/bearer", data=exchange, auth=("app", "secret"))

    assert "Hartley Heating Ltd" in page.text
    assert (callback["realmId"], callback["state"]) == ([chosen], ["s1"])
    assert tokens.json()["expires_in"] == 3600
    assert tokens.json()["x_refresh_token_expires_in"] > 8_000_000
    assert again.json()["error"] == "invalid_grant"


async def test_a_refresh_token_rotated_away_still_works_for_a_day(
    admin: httpx.AsyncClient, sandbox: QuickBooksSandbox, clock: object, realm: str
) -> None:
    first = (await admin.post("/_sandbox/token", json={"business_id": realm, "client_id": "app"})).json()[
        "refresh_token"
    ]
    sandbox.oauth.register_client("app", "secret")
    form = {"grant_type": "refresh_token", "refresh_token": first}

    rotated = await admin.post("/oauth2/v1/tokens/bearer", data=form, auth=("app", "secret"))
    reused = await admin.post("/oauth2/v1/tokens/bearer", data=form, auth=("app", "secret"))

    assert rotated.json()["refresh_token"] != first
    assert reused.status_code == 200
