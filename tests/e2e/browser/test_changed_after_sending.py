"""A paid invoice changed after it was sent: the dashboard offers the bookkeeper's two choices, and
crediting and issuing it again leaves the balances agreeing with the package."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from ledgerlink.domain.records import CustomerPayment, Invoice, RecordKind
from ledgerlink.services.access import add_user
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.engine import Sender
from tests.e2e.browser.conftest import EMAIL, PASSWORD, Person, World

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _paid_invoice_changed_after_sending(world: World) -> str:
    """Everything sent, then one paid invoice's price raised in the job system and noticed by a send."""
    connectors, company_id = world.connectors, world.company_id
    await seed_business(connectors, "xero", "Changed Books")
    connection = await connect_to_sandbox(connectors, company_id, "xero", "Changed Books")
    connection = save_settings(connectors, company_id, connection.id, cut_off_date=date(2020, 1, 1))
    connector = connectors.connector(connection)
    nominals = Nominals(world.store, connection)
    await nominals.read_lists(connector)
    nominals.accept_suggestions(checked=True)
    await Sender(world.store, connection=connection, connector=connector).run()
    with world.store.unit_of_work() as uow:
        records = uow.records(company_id)
        paid = next(
            stored.record
            for chunk in records.iter_chunks(RecordKind.CUSTOMER_PAYMENT)
            for stored in chunk
            if isinstance(stored.record, CustomerPayment) and stored.record.allocations
        )
        found = records.find(RecordKind.INVOICE, paid.allocations[0].document_id)
        assert found is not None
        assert isinstance(found.record, Invoice)
        original = found.record
        first = original.lines[0]
        changed = original.model_copy(
            update={
                "lines": (first.model_copy(update={"unit_price": first.unit_price + 25}), *original.lines[1:])
            }
        )
        assert not ingest(uow, company_id, [changed]).rejected
        uow.commit()
    await Sender(world.store, connection=connection, connector=connector).run()
    await connector.aclose()
    return original.source_id


@pytest.fixture
def changed(world: World) -> str:
    """Made before the browser starts: Playwright's own loop would refuse a second one."""
    return asyncio.run(_paid_invoice_changed_after_sending(world))


def test_a_paid_invoice_changed_after_sending_is_credited_and_issued_again_from_the_dashboard(
    world: World, changed: str, person: Person
) -> None:
    with world.store.unit_of_work() as uow:
        company = next(c for c in uow.companies.list() if c.id == world.company_id)
    add_user(world.store, company, email=EMAIL, password=PASSWORD, is_admin=True)
    page = person.page
    page.goto("/sign-in")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto("/dashboard")
    row = page.locator(f"table.changes tr[data-source-id='{changed}']")
    note = row.inner_text()
    person.shot("changed-after-sending")

    row.locator("button:has-text('Credit it and issue it again')").click()
    flash = page.inner_text(".flash")
    person.shot("credit-and-reissue-chosen")
    page.click("button:has-text('Send now')")
    page.wait_for_function(
        "() => !document.querySelector('#counts .sending')"
        " && document.querySelector('#counts li[data-state=sent]')",
        timeout=60_000,
    )
    for _ in range(40):  # the send runs in the background; the section goes once it is done
        page.reload()
        remaining = page.locator("table.changes").count()
        if not remaining:
            break
        page.wait_for_timeout(250)
    page.click("text=Check balances against the package")
    page.wait_for_selector(".reconciled")
    person.shot("credited-reissued-and-reconciled")

    assert "Leave it as sent" in note
    assert "will be credited and issued again" in flash
    assert remaining == 0
    assert "agree with the package" in page.inner_text(".reconciled")
