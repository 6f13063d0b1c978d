"""The Sage sandbox's sign-in behaves like Sage's: exact redirect, single-use codes, rotating refresh."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from ledgerlink.sandbox.kit import ManualClock

REDIRECT = "http://127.0.0.1:8700/connect/callback"
FORM = {"client_id": "app", "client_secret": "secret"}


async def _code(admin: httpx.AsyncClient, business_id: str, *, state: str = "s1") -> str:
    params = {
        "filter": "apiv3.1",
        "client_id": "app",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "full_access",
        "state": state,
    }
    page = await admin.get("/oauth2/auth/central", params=params)
    assert page.status_code == 200
    assert "Hollis Heating Ltd" in page.text
    approved = await admin.post(
        "/oauth2/auth/central",
        data={**params, "user": "Hollis", "business": business_id, "decision": "allow"},
    )
    assert approved.status_code == 302
    location = urlparse(approved.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["state"] == [state]
    return query["code"][0]


async def test_the_authorise_page_insists_on_the_v31_filter(admin: httpx.AsyncClient, business_id: str):
    reply = await admin.get(
        "/oauth2/auth/central", params={"client_id": "app", "response_type": "code", "redirect_uri": REDIRECT}
    )
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_request"


async def test_a_code_is_exchanged_once_for_a_300_second_token_and_a_rotating_refresh_token(
    admin: httpx.AsyncClient, business_id: str
):
    code = await _code(admin, business_id)
    exchange = {**FORM, "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    first = await admin.post("/token", data=exchange)
    assert first.status_code == 200
    tokens = first.json()
    assert (tokens["expires_in"], tokens["refresh_token_expires_in"]) == (300, 2678400)
    again = await admin.post("/token", data=exchange)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")

    refresh = {**FORM, "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    rotated = await admin.post("/token", data=refresh)
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    reused = await admin.post("/token", data=refresh)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    state = (await admin.get("/_sandbox/state")).json()
    assert state["refreshes"] == 1


async def test_a_code_is_refused_after_60_seconds_or_with_another_redirect_uri(
    admin: httpx.AsyncClient, business_id: str, clock: ManualClock
):
    mismatched = await _code(admin, business_id)
    reply = await admin.post(
        "/token",
        data={
            **FORM,
            "grant_type": "authorization_code",
            "code": mismatched,
            "redirect_uri": REDIRECT.upper(),
        },
    )
    assert reply.json()["error"] == "invalid_grant"
    late = await _code(admin, business_id)
    clock.advance(61)
    reply = await admin.post(
        "/token", data={**FORM, "grant_type": "authorization_code", "code": late, "redirect_uri": REDIRECT}
    )
    assert reply.json()["error"] == "invalid_grant"


async def test_the_token_from_consent_reaches_only_the_chosen_business(
    admin: httpx.AsyncClient, business_id: str
):
    other = (await admin.post("/_sandbox/seed", json={"name": "Other Ltd"})).json()["id"]
    code = await _code(admin, business_id)
    tokens = (
        await admin.post(
            "/token",
            data={**FORM, "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        )
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    listed = (await admin.get("/v3.1/businesses", headers=headers)).json()["$items"]
    assert [b["id"] for b in listed] == [business_id]
    refused = await admin.get("/v3.1/contacts", headers={**headers, "X-Business": other})
    assert refused.status_code == 401
