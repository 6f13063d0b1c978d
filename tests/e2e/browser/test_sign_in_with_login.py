"""Connecting a package with no sign-in page of its own (a Tryton server the business runs): the wizard
asks for one of its users' login and password on a page that fits a laptop and a phone and passes axe,
and a server that cannot be reached is said on that page, with nothing connected."""

from __future__ import annotations

import pytest

from ledgerlink.services.onboarding.connect import current_connection
from tests.e2e.browser.conftest import DESKTOP, PHONE, Person, World
from tests.e2e.browser.pages import check_page
from tests.e2e.browser.steps import choose_path, create_first_administrator
from tests.support.command_line import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(params=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return DESKTOP if request.param == "desktop" else PHONE


def test_a_server_without_a_sign_in_page_is_asked_for_a_login_and_an_unreachable_one_is_said(
    world: World, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERLINK_TRYTON_API_URL", f"http://127.0.0.1:{free_port()}")  # nobody listens
    page = person.page
    create_first_administrator(person)
    choose_path(person, "new-package")
    page.wait_for_url("**/wizard/get-started")
    page.check("input[name=package][value=tryton]")
    page.click("button:has-text('Connect')")

    page.wait_for_url("**/wizard/sign-in")
    assert page.inner_text("h1") == "Sign in to Tryton"
    check_page(person, "sign-in-with-login", keyboard=True)
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "the password")
    page.click("button:has-text('Sign in and connect')")

    page.wait_for_selector(".flash")
    assert page.url.endswith("/wizard/sign-in")
    assert "Not connected: could not reach Tryton" in page.inner_text(".flash")
    check_page(person, "sign-in-unreachable")
    assert current_connection(world.store, world.company_id) is None
