"""A session ends for good: signing out, or a new password, makes every copy of the cookie worthless."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.integration.web.conftest import PASSWORD, Browser, Tenant

NEW_PASSWORD = "pewter lantern orchard"


def copy_of(browser: Browser, web_app: FastAPI) -> httpx.AsyncClient:
    """Another browser holding a copy of this one's cookies, as someone who copied them would."""
    copied = httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app), base_url="http://testserver")
    copied.cookies.update(browser.client.cookies)
    return copied


async def test_a_copied_cookie_opens_nothing_after_signing_out(
    browser: Browser, web_app: FastAPI, tenants: tuple[Tenant, Tenant]
) -> None:
    await browser.sign_in(tenants[0].email)
    async with copy_of(browser, web_app) as stolen:
        assert (await stolen.get("/wizard/start")).status_code == 200
        await browser.post("/sign-out")
        after = await stolen.get("/wizard/start")
        assert after.status_code == 303
        assert after.headers["location"] == "/sign-in"
    assert (await browser.sign_in(tenants[0].email)).status_code == 303  # and signing in again works
    assert (await browser.get("/wizard/start")).status_code == 200


async def test_a_new_password_ends_every_other_session_and_keeps_this_one(
    browser: Browser, web_app: FastAPI, tenants: tuple[Tenant, Tenant]
) -> None:
    await browser.sign_in(tenants[0].email)
    async with copy_of(browser, web_app) as elsewhere:
        await browser.get("/settings/password")
        changed = await browser.post(
            "/settings/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert changed.status_code == 303
        assert (await browser.get("/wizard/start")).status_code == 200
        assert (await elsewhere.get("/wizard/start")).status_code == 303
    await browser.post("/sign-out")
    assert (await browser.sign_in(tenants[0].email, PASSWORD)).status_code == 401
    assert (await browser.sign_in(tenants[0].email, NEW_PASSWORD)).status_code == 303


async def test_a_new_password_needs_the_current_one_and_keeps_to_the_rule(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    await browser.sign_in(tenants[0].email)
    await browser.get("/settings/password")
    wrong = await browser.post(
        "/settings/password", {"current_password": "not it at all", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    weak = await browser.post(
        "/settings/password", {"current_password": PASSWORD, "new_password": "password12"}
    )
    assert weak.status_code == 422
    assert "common password" in weak.text
    assert (await browser.get("/wizard/start")).status_code == 200  # still signed in
