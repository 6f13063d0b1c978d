"""Faults on, a send, then Re-send from the dashboard: nothing is left uncertain, and nothing is twice."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import httpx
import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, sandbox_client, seed_business
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.controls import status
from ledgerlink.services.sending.engine import Sender
from tests.e2e.browser.conftest import Person, World
from tests.e2e.browser.steps import counts, sign_in_as_administrator

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PACKAGE = "sage"


async def _faults(world: World, business_id: str, **rates: float) -> None:
    async with sandbox_client(world.connectors, PACKAGE) as client:
        reply = await client.post("/_sandbox/faults", json={"business_id": business_id, **rates})
        reply.raise_for_status()


async def _sent_with_faults(world: World) -> None:
    """The demo's books sent while the package loses a third of its replies after storing the record."""
    connectors, company_id = world.connectors, world.company_id
    await seed_business(connectors, PACKAGE, "Faulty Books")
    connection = await connect_to_sandbox(connectors, company_id, PACKAGE, "Faulty Books")
    connection = save_settings(connectors, company_id, connection.id, cut_off_date=date(2020, 1, 1))
    connector = connectors.connector(connection)
    nominals = Nominals(world.store, connection)
    await nominals.read_lists(connector)
    nominals.accept_suggestions(checked=True)
    await _faults(world, connection.business_id, drop_after_store_rate=0.35)
    await Sender(world.store, connection=connection, connector=connector).run()
    await _faults(world, connection.business_id, drop_after_store_rate=0.0)
    await connector.aclose()


def _package_counts(world: World) -> dict[str, int]:
    state = httpx.get(f"{world.sandbox_urls[PACKAGE]}/_sandbox/state").json()
    business = next(b for b in state["businesses"] if b["name"] == "Faulty Books")
    return {name: int(count) for name, count in business["counts"].items()}


def _an_invoice(world: World) -> str:
    with world.store.unit_of_work() as uow:
        return next(iter(uow.records(world.company_id).iter_chunks(RecordKind.INVOICE)))[0].source_id


@pytest.fixture
def faulty(world: World) -> None:
    """Made before the browser starts: Playwright's own loop would refuse a second one."""
    asyncio.run(_sent_with_faults(world))


def test_uncertain_records_are_counted_apart_and_re_send_settles_them(
    world: World, faulty: None, person: Person
) -> None:
    sign_in_as_administrator(person, world)
    page = person.page
    page.goto("/dashboard")
    before = counts(person)
    listed = page.inner_text("#failures")
    person.shot("uncertain-after-a-faulty-send")
    first = page.locator("table.failures tr[data-state=uncertain] a:has-text('details')").first
    first.click()
    asked = page.locator("table.attempts tbody tr").first.inner_text()
    person.shot("an-uncertain-record-s-attempts")
    page.goto("/dashboard")

    for box in page.locator("table.failures tr[data-state=uncertain] input[type=checkbox]").all():
        box.check()
    page.click("button:has-text('Re-send the ticked records')")
    flash = page.inner_text(".flash")
    settled = counts(person)
    person.shot("uncertain-settled-by-re-send")
    page.click("button:has-text('Send now')")
    for _ in range(120):  # the send runs in the background, and may not have started at the first look
        page.reload()
        after = counts(person)
        busy = after["processing"] or after["waiting"] or after["blocked"]
        if not page.locator("#counts .sending").count() and not busy:
            break
        page.wait_for_timeout(500)
    person.shot("everything-sent-after-re-send")
    in_package = _package_counts(world)
    page.goto(f"/records/invoice/{_an_invoice(world)}")
    title = page.inner_text("h1")
    link = page.get_attribute("a.deep-link", "href") or ""
    lines = page.locator("table.lines tbody tr").count()
    history = page.inner_text("table.attempts")
    person.shot("an-invoice-as-people-read-it")
    sent = status(world.store, world.company_id).by_kind

    assert before["uncertain"] > 0
    assert not re.search(r"\b(cus|sup)-\d", listed)  # parties by name, never by the job system's id
    assert re.fullmatch(r"Invoice INV-\d+ · .+ · £[\d,]+\.\d\d · \d\d/\d\d/\d{4}", title), title
    assert link.startswith("https://accounts-extra.sageone.com/invoicing/sales_invoices/")
    assert lines > 0
    assert "create" in history
    assert "no reply" in asked or "uncertain" in asked
    assert "uncertain settled" in flash
    assert settled["uncertain"] == 0
    assert (after["uncertain"], after["failed"], after["waiting"]) == (0, 0, 0)
    assert after["blocked"] == 0
    # each record in the package once, though a third of the replies were lost
    parties = sent[RecordKind.CUSTOMER][EntryState.SENT] + sent[RecordKind.SUPPLIER][EntryState.SENT]
    assert in_package["contacts"] == parties
    assert in_package["sales_invoices"] == sent[RecordKind.INVOICE][EntryState.SENT]
