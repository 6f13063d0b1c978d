"""Each onboarding path, on each package, walked on a laptop and on a phone: every page fits the screen
and passes axe, a step is ticked only once it is done, and the wizard ends on what happens now."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ledgerlink.services.demo.sandbox_session import seed_business
from tests.e2e.browser.conftest import DESKTOP, PHONE, Person, World, open_world
from tests.e2e.browser.pages import check_page
from tests.e2e.browser.steps import choose_path, connect_on_sandbox, create_first_administrator, map_nominals

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BUSINESS = "Walk Books"
STEPS = {
    "new-package": ["get_started", "nominals", "open_items", "send"],
    "side-by-side": ["get_started", "nominals", "open_items", "link_customers", "link_suppliers", "send"],
    "package-first": ["get_started", "import", "nominals", "open_items", "link_suppliers", "send"],
}
# a customer and a supplier the package holds already, as each package's seed takes them
CONTACTS: dict[str, list[dict[str, Any]]] = {
    "sage": [
        {
            "name": "Mrs A. Lindqvist",
            "type": "customer",
            "reference": "LIND01",
            "address": {"address_line_1": "9 Oak Lane, Otley ls212ab"},
            "email": "a.lindqvist@example.com",
        },
        {"name": "Wolseley UK Ltd", "type": "supplier", "reference": "WOL01", "telephone": "0113 496 0101"},
    ],
    "xero": [
        {
            "Name": "Mrs A. Lindqvist",
            "AccountNumber": "LIND01",
            "EmailAddress": "a.lindqvist@example.com",
            "IsCustomer": True,
            "Addresses": [{"AddressType": "STREET", "AddressLine1": "9 Oak Lane, Otley ls212ab"}],
        },
        {"Name": "Wolseley UK Ltd", "AccountNumber": "WOL01", "IsSupplier": True},
    ],
}


@pytest.fixture(params=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return DESKTOP if request.param == "desktop" else PHONE


@pytest.fixture(params=["sage", "xero"])
def package(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(tmp_path: Path, package: str) -> Iterator[World]:
    """The demo's books on the jobs side; the package's business holds a customer and a supplier."""
    for found in open_world(tmp_path):
        asyncio.run(seed_business(found.connectors, package, BUSINESS, contacts=CONTACTS[package]))
        yield found


def ticked(person: Person) -> list[str]:
    return [item.get_attribute("data-step") or "" for item in person.page.locator(".steps li.done").all()]


def assert_ticked(person: Person, steps: list[str]) -> None:
    """A click that saves a step navigates once the server answers; read the ticks on the page that follows,
    not on the one still showing."""
    expect(person.page.locator(".steps li.done")).to_have_count(len(steps))
    assert ticked(person) == steps


def next_step(person: Person) -> None:
    person.page.goto("/wizard")


@pytest.mark.parametrize("path", list(STEPS))
def test_the_path_fits_the_screen_ticks_only_what_is_done_and_ends_on_what_happens_now(
    world: World, person: Person, package: str, path: str
) -> None:
    page = person.page
    steps = STEPS[path]
    create_first_administrator(person)
    check_page(person, "choose-path", keyboard=True)
    choose_path(person, path)

    page.wait_for_url("**/wizard/get-started")
    assert [s.get_attribute("data-step") for s in page.locator(".steps li").all()] == steps
    assert_ticked(person, [])
    check_page(person, "connect", keyboard=True)
    connect_on_sandbox(person, world, package, BUSINESS)
    assert_ticked(person, [])
    check_page(person, "cut-off-and-send-mode")
    page.fill("input[name=cut_off_date]", "2020-01-01")
    page.click("text=Save and continue")
    assert_ticked(person, steps[:1])

    if "import" in steps:
        page.wait_for_url("**/wizard/import")
        page.click("button:has-text('Preview the import of customers')")
        assert "LS21 2AB" in page.inner_text("li.contact:has-text('Lindqvist') tr:has(th:text-is('address'))")
        check_page(person, "import-preview")
        # a contact the package names neither customer nor supplier (Xero, before any invoice) is asked about
        page.check("li.contact:has-text('Lindqvist') input[name=import]")
        page.click("button:has-text('Import the ticked customers')")
        assert "Mrs A Lindqvist" in page.inner_text("section.imported")
        check_page(person, "imported")
        assert_ticked(person, steps[:2])
        next_step(person)

    page.wait_for_url("**/wizard/nominals")
    map_nominals(person)
    check_page(person, "nominals")
    # the open items step is a list to act on, never a gate: ticked as soon as the nominals are
    assert_ticked(person, steps[: steps.index("open_items") + 1])
    page.goto("/wizard/open-items")
    check_page(person, "open-items", keyboard=True)
    page.click("main a:has-text('Continue')")

    for side in [s.split("_")[1] for s in steps if s.startswith("link_")]:
        page.wait_for_url(f"**/wizard/link/{side}")
        page.click("button:has-text('Find matches in')")
        check_page(person, f"link-{side}", keyboard=True)
        if page.is_enabled("button:has-text('sure matches')"):
            page.click("button:has-text('sure matches')")
        for leave in page.locator("article.proposal button:has-text('Create new on send')").all():
            leave.click()
        page.click(f"button:has-text('Finish linking {side}')")
        assert_ticked(person, steps[: steps.index(f"link_{side}") + 1])

    page.wait_for_url("**/wizard/send")
    check_page(person, "send-plan")
    page.click("button:has-text('Send now')")
    page.wait_for_selector("text=Sending finished.", timeout=60_000)
    person.shot("send-finished")
    page.click("text=See what happens now")

    page.wait_for_url("**/wizard/done")
    assert page.inner_text("h1") == "Setup complete"
    assert "Sending is manual" in page.inner_text(".what-now")
    assert "dashboard" in page.inner_text("li[data-what=failures]")
    assert "emailed" in page.inner_text("li[data-what=emails]")
    assert_ticked(person, steps)
    check_page(person, "setup-complete", keyboard=True)
    page.click("main a:has-text('Open the dashboard')")
    page.wait_for_url("**/dashboard")
    check_page(person, "dashboard")
    page.click("header a:has-text('Do not send')")
    check_page(person, "do-not-send")
