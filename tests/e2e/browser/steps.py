"""The steps every walk through the wizard starts with, and what a person reads off the dashboard."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.registry import get_package
from ledgerlink.services.access import add_user
from ledgerlink.store.connections import ConnectionRepository, LinkRepository
from tests.e2e.browser.conftest import COMPANY, EMAIL, PASSWORD, Person, World


def counts(person: Person) -> dict[str, int]:
    """The dashboard's outbox counts, by state."""
    found: dict[str, int] = {}
    for item in person.page.locator("#counts li").all():
        state = item.get_attribute("data-state") or ""
        found[state] = int(item.locator("strong").inner_text().replace(",", ""))
    return found


def create_first_administrator(person: Person) -> None:
    page = person.page
    page.goto("/")
    assert page.url.endswith("/setup")
    page.fill("input[name=company_name]", COMPANY)
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    person.shot("first-administrator")
    page.click("text=Create the administrator")
    page.wait_for_url("**/wizard/start")


def choose_path(person: Person, path: str) -> None:
    page = person.page
    page.check(f"input[value={path}]")
    person.shot("choose-path")
    page.click("button:has-text('Continue')")


def connect_on_sandbox(person: Person, world: World, package: str, business: str) -> None:
    """From the get-started page, through the package's own consent page, back to the wizard."""
    page = person.page
    page.check(f"input[name=package][value={package}]")
    page.check("input[name=sandbox]")
    person.shot("connect")
    page.click("button:has-text('Connect')")
    page.wait_for_url(f"{world.sandbox_urls[package]}/**")  # the package's own consent page
    page.check(f"label:has-text('{business}') input")
    person.shot("sandbox-consent")
    page.click("button:has-text('Allow')")
    page.wait_for_url("**/wizard/get-started")
    assert f"Connected to {get_package(package).label} · {business}" in page.inner_text(".flash")


def package_contacts(world: World, package: str, business: str) -> int:
    """How many contacts the sandbox business holds, as its admin API counts them."""
    state = httpx.get(f"{world.sandbox_urls[package]}/_sandbox/state", timeout=10).json()
    found = next(b for b in state["businesses"] if b["name"] == business)
    return int(found["counts"]["contacts"])


def links_made_by_sending(world: World) -> int:
    """Customers and suppliers the package holds because sending created them."""
    with world.store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, world.company_id).current()
        assert connection is not None
        links = LinkRepository(uow.session, connection.id)
        return sum(
            1
            for kind in (RecordKind.CUSTOMER, RecordKind.SUPPLIER)
            for link in links.all(kind)
            if link.how == "created"
        )


def map_nominals(person: Person) -> None:
    """Accept all sure suggestions, then look at each one left to check and take it, as a bookkeeper
    who agrees with them would; payment methods then follow their bank accounts."""
    page = person.page
    page.click("text=Accept all sure suggestions")
    # the click only starts the page's reload: count what is left once the answer is on screen
    expect(page.locator(".flash")).to_contain_text("sure suggestions accepted")
    take = page.locator("form[action='/wizard/nominals/map'] button:has-text('Take ')")
    assert take.count() > 0  # the default charts leave some for a person
    person.shot("nominals-to-check")
    for left in range(take.count(), 0, -1):
        take.first.click()
        expect(take).to_have_count(left - 1)
    page.click("text=Accept all sure suggestions")
    expect(page.locator(".flash")).to_contain_text("sure suggestions accepted")


def sign_in_as_administrator(person: Person, world: World) -> None:
    """An administrator of the world's company, made in the store, signs in through the page."""
    with world.store.unit_of_work() as uow:
        company = next(c for c in uow.companies.list() if c.id == world.company_id)
    add_user(world.store, company, email=EMAIL, password=PASSWORD, is_admin=True)
    page = person.page
    page.goto("/sign-in")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
