"""A company starting mid-year: its open items at the cut-off are listed after the nominal accounts,
marked settled outside, and then everything after the cut-off is sent, nothing blocked, balances agree."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from tests.e2e.browser.conftest import DESKTOP, PHONE, Person, World
from tests.e2e.browser.pages import check_page
from tests.e2e.browser.steps import counts, sign_in_as_administrator

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CUT_OFF = date(2025, 11, 1)


async def _mid_year(world: World) -> None:
    connectors, company_id = world.connectors, world.company_id
    await seed_business(connectors, "xero", "Mid-year Books")
    connection = await connect_to_sandbox(connectors, company_id, "xero", "Mid-year Books")
    connection = save_settings(connectors, company_id, connection.id, cut_off_date=CUT_OFF)
    connector = connectors.connector(connection)
    nominals = Nominals(world.store, connection)
    await nominals.read_lists(connector)
    nominals.accept_suggestions(checked=True)
    await connector.aclose()


@pytest.fixture(params=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return DESKTOP if request.param == "desktop" else PHONE


@pytest.fixture
def mid_year(world: World) -> None:
    """Made before the browser starts: Playwright's own loop would refuse a second one."""
    asyncio.run(_mid_year(world))


def test_open_items_settled_outside_leave_nothing_blocked_and_the_balances_agree(
    world: World, mid_year: None, person: Person
) -> None:
    sign_in_as_administrator(person, world)
    page = person.page
    page.goto("/wizard/open-items")
    listed = page.locator("table.open-items tbody tr").count()
    first = page.inner_text("table.open-items tbody tr >> nth=0")
    check_page(person, "open-items-at-the-cut-off", keyboard=True)

    page.check("table.open-items thead input[data-ticks-all]")
    for box in page.locator("table.open-items tbody input[type=checkbox]").all():
        box.check()
    page.click("button:has-text('Mark the ticked items settled outside ledgerlink')")
    flash = page.inner_text(".flash")
    settled = page.locator("table.open-items td.settled:has-text('yes')").count()
    check_page(person, "open-items-settled-outside")

    page.goto("/dashboard")
    page.click("button:has-text('Send now')")
    for _ in range(240):  # the send runs in the background
        page.reload()
        after = counts(person)
        if not page.locator("#counts .sending").count() and not (after["processing"] or after["waiting"]):
            break
        page.wait_for_timeout(500)
    page.click("text=Check balances against the package")
    page.wait_for_selector(".reconciled")
    person.shot("mid-year-sent-and-reconciled")

    assert listed > 0
    assert "£" in first
    assert f"{listed} items marked settled outside" in flash or f"{listed} item marked" in flash
    assert settled == listed
    assert (after["blocked"], after["failed"], after["uncertain"], after["waiting"]) == (0, 0, 0, 0)
    assert "agree with the package" in page.inner_text(".reconciled")
