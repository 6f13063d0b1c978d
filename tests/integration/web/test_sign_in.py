"""Signing in: the first administrator, passwords, the session cookie and CSRF on every form."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from ledgerlink.services.sign_in_throttle import FREE_FAILURES
from tests.integration.web.conftest import PASSWORD, Browser, Tenant


async def test_a_fresh_install_offers_to_create_the_first_administrator(browser: Browser) -> None:
    first = await browser.get("/", follow_redirects=True)
    assert first.url.path == "/setup"
    assert "Create the first administrator" in first.text

    made = await browser.post(
        "/setup",
        {"company_name": "Hollis Heating", "email": "Office@Hollis.example.com", "password": PASSWORD},
        follow_redirects=True,
    )
    assert made.url.path == "/wizard/start"
    assert "Hollis Heating" in made.text
    assert "office@hollis.example.com" in made.text

    again = await browser.get("/setup", follow_redirects=True)
    assert again.url.path != "/setup"  # only ever once


async def test_a_short_password_is_refused_and_says_why(browser: Browser) -> None:
    await browser.get("/setup")
    reply = await browser.post(
        "/setup", {"company_name": "Hollis", "email": "a@hollis.example.com", "password": "short"}
    )
    assert reply.status_code == 422
    assert "at least 10 characters" in reply.text


async def test_a_wrong_password_does_not_sign_in(browser: Browser, tenants: tuple[Tenant, Tenant]) -> None:
    reply = await browser.sign_in(tenants[0].email, "not the password")
    assert reply.status_code == 401
    assert "do not match" in reply.text
    dashboard = await browser.get("/dashboard")
    assert dashboard.status_code == 303
    assert dashboard.headers["location"] == "/sign-in"


async def test_a_form_without_the_session_token_is_refused(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    await browser.sign_in(tenants[0].email)
    forged = await browser.client.post("/wizard/start", data={"path": "side-by-side"})
    assert forged.status_code == 403
    wrong = await browser.client.post("/wizard/start", data={"path": "side-by-side", "csrf_token": "guess"})
    assert wrong.status_code == 403
    by_header = await browser.client.post(
        "/wizard/start", data={"path": "side-by-side"}, headers={"X-CSRF-Token": browser.token}
    )
    assert by_header.status_code == 303


async def test_the_session_cookie_is_httponly_lax_and_secure_only_over_https(
    web_app: FastAPI, tenants: tuple[Tenant, Tenant]
) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app), base_url=base) as client:
            page = await client.get("/sign-in")
            cookie = page.headers["set-cookie"].lower()
            assert "httponly" in cookie
            assert "samesite=lax" in cookie
            assert ("secure" in cookie.split(";")[-1] or "; secure" in cookie) is secure


async def test_signing_out_ends_the_session(browser: Browser, tenants: tuple[Tenant, Tenant]) -> None:
    await browser.sign_in(tenants[0].email)
    assert (await browser.get("/wizard/start")).status_code == 200
    await browser.post("/sign-out")
    assert (await browser.get("/wizard/start")).status_code == 303


async def test_wrong_passwords_in_a_row_answer_429_with_retry_after_and_the_right_one_waits_too(
    browser: Browser, tenants: tuple[Tenant, Tenant], web_app: FastAPI
) -> None:
    still = datetime.now(UTC)
    web_app.state.web.clock = lambda: still  # the first block lasts a second: a slow machine would see it end
    for _ in range(FREE_FAILURES["account"] + 1):
        assert (await browser.sign_in(tenants[0].email, "not the password")).status_code == 401
    blocked = await browser.sign_in(tenants[0].email, "not the password either")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "try again in" in blocked.text
    assert (await browser.sign_in(tenants[0].email)).status_code == 429
    assert (await browser.sign_in(tenants[1].email)).status_code == 303  # another account goes on
