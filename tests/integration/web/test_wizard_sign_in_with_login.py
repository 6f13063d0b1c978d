"""Connecting, in the wizard, a package with no sign-in page of its own (a real Tryton server): the
administrator is asked for a Tryton login and password, a wrong one is said on the same page with
Tryton's refusal, and the right one connects the business and reads its chart. Needs
`LEDGERLINK_TRYTON_PYTHON` (a python with trytond; `./dev test` makes one)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ledgerlink.packages.tryton.server import TrytonProcess, start_business
from ledgerlink.services.onboarding.connect import current_connection
from ledgerlink.store import Store
from tests.integration.web.conftest import Browser, Tenant
from tests.support.tryton_books import tryton_home

pytestmark = pytest.mark.slow


@pytest.fixture
async def tryton(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TrytonProcess]:
    server = await start_business(tryton_home(tmp_path / "tryton"), "Hollis Heating", database="hollis")
    monkeypatch.setenv("LEDGERLINK_TRYTON_API_URL", server.url)
    yield server
    server.stop()


async def test_an_administrator_connects_tryton_with_its_login_and_password(
    browser: Browser, tenants: tuple[Tenant, Tenant], web_store: Store, tryton: TrytonProcess
) -> None:
    await browser.sign_in(tenants[0].email)
    started = await browser.post("/connect", {"package": "tryton"})
    assert (started.status_code, started.headers["location"]) == (303, "/wizard/sign-in")
    form = await browser.get("/wizard/sign-in")
    assert "Tryton has no sign-in page of its own" in form.text
    assert 'type="password" name="password"' in form.text

    login, password = tryton.home.credentials().split(":", 1)
    wrong = await browser.post("/wizard/sign-in", {"login": login, "password": "not-it"})
    assert wrong.headers["location"] == "/wizard/sign-in"
    again = await browser.get("/wizard/sign-in")
    assert f"Tryton refused the login &#39;{login}&#39; on each of its databases (hollis)" in again.text
    assert current_connection(web_store, tenants[0].company_id) is None

    right = await browser.post("/wizard/sign-in", {"login": login, "password": password})
    assert right.headers["location"] == "/wizard/get-started"
    page = await browser.get("/wizard/get-started")
    assert "Connected to" in page.text
    connection = current_connection(web_store, tenants[0].company_id)
    assert connection is not None
    assert (connection.package, connection.business_id, connection.lists_read_at is not None) == (
        "tryton",
        "hollis",
        True,
    )
    # the form is not offered again once used: a stale post does not connect anything twice
    assert (await browser.post("/wizard/sign-in", {"login": login, "password": password})).headers[
        "location"
    ] == "/wizard/get-started"
