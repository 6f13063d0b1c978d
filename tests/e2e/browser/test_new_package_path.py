"""A bookkeeper sets up the new-package path in the browser, on the Sage sandbox, to a dashboard with
everything sent; and re-sends a failed invoice after fixing its nominal mapping."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest

from ledgerlink.domain.records import Invoice, NominalAccount, NominalKind, RecordKind
from ledgerlink.services.access import add_user
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.engine import Sender
from tests.e2e.browser.conftest import COMPANY, EMAIL, PASSWORD, Person, World
from tests.e2e.browser.steps import counts, map_nominals

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_new_package_path_ends_on_a_dashboard_with_everything_sent(world: World, person: Person) -> None:
    page = person.page
    page.goto("/")
    assert page.url.endswith("/setup")
    page.fill("input[name=company_name]", COMPANY)
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    person.shot("first-administrator")
    page.click("text=Create the administrator")

    page.wait_for_url("**/wizard/start")
    page.check("input[value=new-package]")
    person.shot("choose-path")
    page.click("button:has-text('Continue')")

    page.wait_for_url("**/wizard/get-started")
    assert page.locator(".steps li").count() == 4
    page.check("input[name=package][value=sage]")
    page.check("input[name=sandbox]")
    person.shot("connect")
    page.click("button:has-text('Connect')")

    page.wait_for_url(f"{world.sandbox_url}/**")  # the package's own consent page
    page.check("label:has-text('Demo Heating Books') input")
    person.shot("sandbox-consent")
    page.click("button:has-text('Allow')")

    page.wait_for_url("**/wizard/get-started")
    assert "Connected to Sage Accounting · Demo Heating Books" in page.inner_text(".flash")
    page.fill("input[name=cut_off_date]", "2020-01-01")
    person.shot("cut-off-and-send-mode")
    page.click("text=Save and continue")

    page.wait_for_url("**/wizard/nominals")
    person.shot("nominals-suggested")
    map_nominals(person)
    assert page.locator(".problems").count() == 0
    assert "Everything the company uses is mapped" in page.inner_text(".step")
    person.shot("nominals-mapped")
    page.click("a.button:has-text('Continue')")
    page.wait_for_url("**/wizard/open-items")  # nothing dated before the cut-off is open
    assert page.locator(".none-open").count() == 1
    page.click("a.button.continue")

    page.wait_for_url("**/wizard/send")
    person.shot("send-plan")
    page.click("button:has-text('Send now')")
    page.wait_for_selector("text=Sending finished.", timeout=120_000)
    person.shot("send-finished")
    page.click("text=Open the dashboard")

    page.wait_for_url("**/dashboard")
    shown = counts(person)
    assert shown["failed"] == 0
    assert shown["waiting"] == 0
    assert shown["blocked"] == 0
    assert shown["sent"] > 100
    assert "Setup is not finished" not in page.inner_text("main")
    assert "never" not in page.inner_text(".last-sent")
    page.click("text=Check balances against the package")
    page.wait_for_selector(".reconciled")
    assert "agree with the package" in page.inner_text(".reconciled")
    person.shot("dashboard-everything-sent")


async def _send_with_one_nominal_unmapped(world: World) -> str:
    """Everything mapped and sent, except one invoice on a nominal account added after mapping."""
    connectors, company_id = world.connectors, world.company_id
    await seed_business(connectors, "sage", "Demo Heating Books")
    connection = await connect_to_sandbox(connectors, company_id, "sage", "Demo Heating Books")
    connection = save_settings(connectors, company_id, connection.id, cut_off_date=date(2020, 1, 1))
    nominals = Nominals(world.store, connection)
    connector = connectors.connector(connection)
    await nominals.read_lists(connector)
    nominals.accept_suggestions(checked=True)
    with world.store.unit_of_work() as uow:
        reference = uow.reference(company_id)
        reference.put_nominal_accounts(
            [
                *reference.nominal_accounts(),
                NominalAccount(code="4999", name="Boiler installs", kind=NominalKind.SALES),
            ]
        )
        customer = next(iter(uow.records(company_id).iter_chunks(RecordKind.CUSTOMER)))[0].source_id
        invoice = Invoice.model_validate(
            {
                "source_id": "INSTALL-1",
                "customer_id": customer,
                "number": "INSTALL-1",
                "date": "2026-10-20",
                "lines": [
                    {
                        "description": "Combi boiler install",
                        "unit_price": "1800",
                        "vat_rate": "S",
                        "nominal_code": "4999",
                    }
                ],
            }
        )
        assert not ingest(uow, company_id, [invoice]).rejected
        uow.commit()
    report = await Sender(world.store, connection=connection, connector=connector).run()
    await connector.aclose()
    assert report.failed["invoice"] == 1
    return "INSTALL-1"


@pytest.fixture
def one_failed(world: World) -> str:
    """Made before the browser starts: Playwright's own loop would refuse a second one."""
    return asyncio.run(_send_with_one_nominal_unmapped(world))


def test_a_failed_invoice_is_sent_again_after_its_nominal_is_mapped(
    world: World, one_failed: str, person: Person
) -> None:
    failed = one_failed
    with world.store.unit_of_work() as uow:
        company = next(c for c in uow.companies.list() if c.id == world.company_id)
    add_user(world.store, company, email=EMAIL, password=PASSWORD, is_admin=True)

    page = person.page
    page.goto("/sign-in")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto("/dashboard")
    assert counts(person)["failed"] == 1
    row = page.locator(f"tr[data-source-id='{failed}']")
    assert "4999" in row.inner_text()
    person.shot("dashboard-one-failed")

    page.goto("/wizard/nominals")
    mapped_to = page.locator("tr[data-kind=nominal][data-code='4000'] select").input_value()
    line = page.locator("tr[data-kind=nominal][data-code='4999']")
    line.locator("select").select_option(mapped_to)
    line.locator("button:has-text('Save')").click()
    page.wait_for_selector("tr[data-code='4999'] .ok")
    assert re.search(r"mapped to", page.inner_text("tr[data-code='4999']"))
    person.shot("nominal-fixed")

    page.goto("/dashboard")
    page.check("table.failures thead input[type=checkbox]")  # ticks every row: the one failed invoice
    assert page.is_checked(f"tr[data-source-id='{failed}'] input[type=checkbox]")
    person.shot("tick-failed-invoice")
    page.click("text=Re-send the ticked records")
    assert "will be sent again" in page.inner_text(".flash")
    page.click("button:has-text('Send now')")
    page.wait_for_function(
        "() => { const li = document.querySelector('#counts li[data-state=sent] strong');"
        " const f = document.querySelector('#counts li[data-state=failed] strong');"
        " return f && f.textContent.trim() === '0' && !document.querySelector('#counts .sending'); }",
        timeout=60_000,
    )
    page.reload()
    assert counts(person)["failed"] == 0
    assert page.locator(".none-failed").count() == 1
    person.shot("dashboard-resent")
