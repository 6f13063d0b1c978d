"""Choosing a password on the web: the rule is on the form, weak and oversized passwords are refused with
the reason, and password hashing is bounded: beyond it a sign-in is told to come back (503)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from ledgerlink.services.passwords import HASHING_AT_ONCE, hashing_turn
from tests.integration.web.conftest import PASSWORD, Browser, Tenant

SETUP = {"company_name": "Hollis Heating", "email": "office@hollis-heating.example.com"}


@contextmanager
def every_hashing_turn_taken() -> Iterator[None]:
    """As when other sign-ins fill every turn to hash."""
    with ExitStack() as turns:
        for _ in range(HASHING_AT_ONCE):
            turns.enter_context(hashing_turn())
        yield


async def test_the_setup_form_states_the_password_rule(browser: Browser) -> None:
    page = await browser.get("/setup")
    assert "not a common password" in page.text
    assert 'maxlength="1024"' in page.text


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("1234567890", "common password"),
        ("password12", "very common password"),
        ("hollisheating1", "choose a stronger password"),
        ("correct horse battery " * 50, "at most 1,024 characters"),
    ],
)
async def test_a_weak_or_oversized_password_is_refused_and_says_why(
    browser: Browser, password: str, reason: str
) -> None:
    await browser.get("/setup")
    reply = await browser.post("/setup", {**SETUP, "password": password})
    assert reply.status_code == 422
    assert reason in reply.text
    accepted = await browser.post("/setup", {**SETUP, "password": PASSWORD})
    assert accepted.status_code == 303


async def test_a_sign_in_with_a_megabyte_password_is_refused_without_hashing_it(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    with every_hashing_turn_taken():
        reply = await browser.sign_in(tenants[0].email, "x" * 1_000_000)
    assert reply.status_code == 401  # refused at once: it never waited for a turn to hash


async def test_a_sign_in_beyond_the_hashing_bound_answers_503_with_retry_after(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    await browser.get("/sign-in")
    with every_hashing_turn_taken():
        started = time.monotonic()
        reply = await browser.post("/sign-in", {"email": tenants[0].email, "password": PASSWORD})
        waited = time.monotonic() - started
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"
    assert waited < 5
    assert (await browser.sign_in(tenants[0].email)).status_code == 303  # with a turn free, it works
