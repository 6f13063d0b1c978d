"""Every answer carries the security headers: a content security policy without inline script or eval,
no framing by another site, no content sniffing, and no address leaked to other sites as a referrer."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.integration.web.conftest import Browser, Tenant

TEMPLATES = Path(__file__).parents[3] / "src" / "ledgerlink" / "web" / "templates"
SAMPLE_PATH_VALUES = {
    "kind": "customer",
    "source_id": "C-HOLLIS",
    "entry_id": "1",
    "key_id": "1",
    "batch_id": "1",
    "side": "customers",
    "choice": "leave",
}


def directives(policy: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def assert_secured(reply: httpx.Response) -> None:
    where = f"{reply.request.method} {reply.request.url.path} ({reply.status_code})"
    policy = directives(reply.headers.get("content-security-policy", "missing"))
    assert policy.get("default-src") == ["'self'"], where
    for source in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[source], where
        assert "'unsafe-eval'" not in policy[source], where
    assert policy["frame-ancestors"] == ["'none'"], where
    assert reply.headers["x-frame-options"] == "DENY", where
    assert reply.headers["x-content-type-options"] == "nosniff", where
    assert reply.headers["referrer-policy"] == "same-origin", where


def page_addresses(app: FastAPI) -> list[str]:
    """Every GET address the app serves, with its path's parts filled in."""
    addresses = ["/static/style.css", "/static/ledgerlink.js"]
    for route in iter_route_contexts(app.routes):
        if route.path and "GET" in (route.methods or ()):
            addresses.append(
                re.sub(r"{(\w+)(:\w+)?}", lambda part: SAMPLE_PATH_VALUES[part.group(1)], route.path)
            )
    return addresses


async def test_every_page_and_answer_carries_the_security_headers(
    web_app: FastAPI, browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    addresses = page_addresses(web_app)
    assert {"/sign-in", "/dashboard", "/wizard/nominals", "/docs", "/api/v1/onboarding"} <= set(addresses)
    for address in addresses:  # signed out: redirects and refusals
        assert_secured(await browser.client.get(address))
    await browser.sign_in(tenants[0].email)
    for address in addresses:  # signed in, as an administrator
        assert_secured(await browser.client.get(address))
    assert_secured(await browser.client.get("/no/such/page"))
    assert_secured(await browser.post("/sign-out"))
    api_key = {"Authorization": f"Bearer {tenants[0].api_key}"}
    assert_secured(
        await browser.client.put("/api/v1/customer/C-1", json={"last_name": "Ayres"}, headers=api_key)
    )


def test_no_page_holds_inline_script_or_event_handlers() -> None:
    """The policy would block them, so none may be written: behaviour lives in static/*.js."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text, template.name
        assert not re.search(r'\sstyle\s*=\s*"', text), template.name
