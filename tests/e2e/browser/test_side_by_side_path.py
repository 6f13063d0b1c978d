"""A bookkeeper sets up the side-by-side path in the browser, on the Xero sandbox: the organisation
already holds some of the company's customers and suppliers, typed differently. They are linked (the
sure ones at once, a person who moved accepted, a namesake rejected) before anything is sent, and the
send ends on a dashboard with everything sent and nothing duplicated in Xero."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.sync_api import expect

from ledgerlink.services.demo.books import generate
from ledgerlink.services.demo.sandbox_session import seed_business
from tests.e2e.browser.conftest import TODAY, Person, World
from tests.e2e.browser.contacts import SideBySide, side_by_side
from tests.e2e.browser.steps import (
    choose_path,
    connect_on_sandbox,
    counts,
    create_first_administrator,
    links_made_by_sending,
    map_nominals,
    package_contacts,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BUSINESS = "Demo Heating Ltd"


@pytest.fixture
def in_xero(world: World) -> SideBySide:
    """The organisation as the company kept it by hand (seeded before the browser starts: Playwright's
    own loop would refuse a second one)."""
    seeded = side_by_side(generate(seed=3, invoices=40, today=TODAY).records)
    asyncio.run(seed_business(world.connectors, "xero", BUSINESS, contacts=seeded.contacts))
    return seeded


def assert_linked(person: Person, count: int) -> None:
    """Each accept or undo reloads the page; wait for the count the new page shows rather than read the old."""
    expect(person.page.locator(".link-progress li[data-status=linked] strong")).to_have_text(str(count))


def test_the_side_by_side_path_links_before_sending_and_ends_with_everything_sent(
    world: World, in_xero: SideBySide, person: Person
) -> None:
    page = person.page
    seeded = len(in_xero.contacts)
    create_first_administrator(person)
    choose_path(person, "side-by-side")

    page.wait_for_url("**/wizard/get-started")
    assert page.locator(".steps li").count() == 6
    connect_on_sandbox(person, world, "xero", BUSINESS)
    page.fill("input[name=cut_off_date]", "2020-01-01")
    person.shot("cut-off-and-send-mode")
    page.click("text=Save and continue")

    page.wait_for_url("**/wizard/nominals")
    map_nominals(person)
    assert page.locator(".problems").count() == 0
    person.shot("nominals-mapped")

    # sending now would duplicate every customer Xero already has: the wizard says what is missing
    page.goto("/wizard/send")
    assert "link existing customers" in page.inner_text(".missing")
    person.shot("send-refused-before-linking")
    page.click(".missing a.button")

    page.wait_for_url("**/wizard/link/customers")
    page.click("button:has-text('Find matches in')")
    assert f"Read {seeded} contacts" in page.inner_text(".flash")
    assert "2 sure matches, 2 to check" in page.inner_text(".flash")
    person.shot("customer-matches-found")
    page.click("button:has-text('Accept all 2 sure matches')")
    assert_linked(person, 2)

    moved = page.locator(f"article.proposal[data-source-id='{in_xero.moved.source_id}']")
    assert "moved house?" in moved.inner_text()
    moved_contact = moved.get_attribute("data-package-id") or ""
    person.shot("a-person-who-moved")
    moved.locator("button:has-text('Accept')").click()
    assert_linked(person, 3)
    # the page comes back at the next record to check, and the decided one is listed with its undo
    assert "#r-" in page.url
    now_linked = page.locator(f"li[data-status=linked][data-source-id='{in_xero.moved.source_id}']")
    assert "Undo" in now_linked.inner_text()
    person.shot("linked-list-with-undo")
    now_linked.locator("button:has-text('Undo')").click()
    assert_linked(person, 2)
    assert page.locator(f"article.proposal[data-source-id='{in_xero.moved.source_id}']").count() == 1
    page.locator(
        f"article.proposal[data-source-id='{in_xero.moved.source_id}'] button:has-text('Accept')"
    ).click()
    assert_linked(person, 3)

    namesake = page.locator(f"article.proposal[data-source-id='{in_xero.namesake.source_id}']")
    assert "email differs" in namesake.inner_text()
    assert not re.search(r"\b[01]\.\d\d\b", namesake.inner_text())  # reasons in words, not scores
    person.shot("a-namesake-next-door")
    namesake.locator("button:has-text('Reject')").click()
    assert page.locator(f"article.proposal[data-source-id='{in_xero.namesake.source_id}']").count() == 0
    assert page.locator("article.proposal").count() == 0
    person.shot("customers-decided")
    page.click("button:has-text('Finish linking customers')")

    page.wait_for_url("**/wizard/link/suppliers")
    page.click("button:has-text('Find matches in')")
    page.click("button:has-text('Accept all 3 sure matches')")
    assert_linked(person, 3)
    person.shot("suppliers-linked")
    page.click("button:has-text('Finish linking suppliers')")

    page.wait_for_url("**/wizard/send")
    # linked: 3 customers and 3 suppliers; created: the other 3 customers and 8 suppliers
    assert "6 customers and suppliers are linked already; 11 will be created" in page.inner_text(".step")
    person.shot("send-plan")
    page.click("button:has-text('Send now')")
    page.wait_for_selector("text=Sending finished.", timeout=60_000)
    person.shot("send-finished")
    page.click("text=Open the dashboard")

    page.wait_for_url("**/dashboard")
    shown = counts(person)
    assert (shown["failed"], shown["waiting"], shown["blocked"]) == (0, 0, 0)
    assert shown["sent"] > 100
    assert "Setup is not finished" not in page.inner_text("main")
    page.click("text=Check balances against the package")
    page.wait_for_selector(".reconciled")
    assert "agree with the package" in page.inner_text(".reconciled")
    person.shot("dashboard-everything-sent")

    page.goto(f"/records/customer/{in_xero.moved.source_id}")
    assert moved_contact in page.inner_text(".facts")
    person.shot("moved-customer-on-their-xero-contact")

    # every contact in Xero is one it had, or one sending made: none of those it had was made again
    assert package_contacts(world, "xero", BUSINESS) == seeded + links_made_by_sending(world)
