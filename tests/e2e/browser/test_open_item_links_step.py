"""Side by side, the open items step links each open item at the cut-off to the package's own open copy:
the sure matches at once, the one to check with a click, as `ledgerlink link-open-items` does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.open_items import open_items
from tests.e2e.browser.conftest import World, open_world
from tests.e2e.browser.pages import check_page
from tests.e2e.browser.steps import sign_in_as_administrator
from tests.integration.services.test_open_item_links import _already_in_the_package
from tests.integration.services.test_open_items import CUT_OFF, MID_YEAR

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The company holds only the mid-year books below, not the demo's."""
    yield from open_world(tmp_path, demo_records=False)


async def _side_by_side(world: World) -> None:
    connectors, company_id = world.connectors, world.company_id
    with world.store.unit_of_work() as uow:
        assert not ingest(uow, company_id, list(MID_YEAR)).rejected
        uow.commit()
    await seed_business(connectors, "xero", "Side by Side Books")
    connection = await connect_to_sandbox(connectors, company_id, "xero", "Side by Side Books")
    connection = save_settings(
        connectors, company_id, connection.id, onboarding_path="side-by-side", cut_off_date=CUT_OFF
    )
    connector = connectors.connector(connection)
    try:
        nominals = Nominals(world.store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions(checked=True)
        books: Any = SimpleNamespace(package="xero", store=world.store, current=lambda: connection)
        await _already_in_the_package(books, connector)
    finally:
        await connector.aclose()


@pytest.fixture
def side_by_side(world: World) -> None:
    """Made before the browser starts: Playwright's own loop would refuse a second one."""
    asyncio.run(_side_by_side(world))


def test_open_items_are_matched_and_the_one_to_check_linked_with_a_click(
    world: World, side_by_side: None, person: Any
) -> None:
    sign_in_as_administrator(person, world)
    page = person.page
    page.goto("/wizard/open-items")
    page.click('button:has-text("Match with Xero\'s open documents")')
    matched = page.inner_text(".flash")
    to_check = page.inner_text("table.open-item-matches tbody tr >> nth=0")
    check_page(person, "open-items-to-check", keyboard=True)
    page.click("table.open-item-matches button:has-text('Link')")
    linked = page.inner_text(".flash")
    in_package = page.locator("table.open-items td.in-package:has-text('linked')").count()

    assert "2 open items linked to Xero's own copy; 1 to check" in matched
    assert "Supplier invoice PC/1" in to_check
    assert "77123" in to_check
    assert "B-1 linked to 77123 in Xero" in linked
    assert in_package == 3
    assert all(item.package_id for item in open_items(world.store, world.company_id))
