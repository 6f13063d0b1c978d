"""A bookkeeper's work in Xero comes back: the changes page lists what was applied, named as people
name the records, and what waits for a person with the reason, on a laptop and on a phone; an
administrator chooses there which kinds of change come back."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from ledgerlink.domain.records import Customer, RecordKind
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.inbound.settings import save_reading_settings
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.engine import Sender
from tests.e2e.browser.conftest import DESKTOP, PHONE, Person, World
from tests.e2e.browser.pages import check_page
from tests.e2e.browser.steps import sign_in_as_administrator

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _in_xero(client: httpx.AsyncClient, method: str, path: str, body: Any) -> Any:
    reply = await client.post("/_sandbox/as_person", json={"method": method, "path": path, "body": body})
    assert reply.status_code < 400, reply.text
    return reply.json()


async def _worked_on_in_xero(world: World) -> dict[str, str]:
    """Everything sent; then in Xero one invoice is part paid, another voided, and a payment recorded
    against an invoice raised there alone."""
    connectors, company_id = world.connectors, world.company_id
    await seed_business(connectors, "xero", "Worked Books")
    connection = await connect_to_sandbox(connectors, company_id, "xero", "Worked Books")
    connection = save_settings(connectors, company_id, connection.id, cut_off_date=date(2020, 1, 1))
    connector = connectors.connector(connection)
    nominals = Nominals(world.store, connection)
    await nominals.read_lists(connector)
    nominals.accept_suggestions(checked=True)
    await Sender(world.store, connection=connection, connector=connector).run()
    await connector.aclose()
    save_reading_settings(world.store, company_id, kinds=["payment", "document"])
    with world.store.unit_of_work() as uow:
        records = uow.records(company_id)
        links = uow.links(connection.id)
        unpaid = [
            stored
            for chunk in records.iter_chunks(RecordKind.INVOICE)
            for stored in chunk
            if not records.children({(RecordKind.INVOICE, stored.source_id)})
            and links.find(RecordKind.INVOICE, stored.source_id) is not None
        ]
        paid, voided = unpaid[0], unpaid[1]
        ids = {s.source_id: links.find(RecordKind.INVOICE, s.source_id).package_id for s in (paid, voided)}  # type: ignore[union-attr]
        contact = links.find(RecordKind.CUSTOMER, paid.record.customer_id).package_id  # type: ignore[union-attr, attr-defined]
        bank = next(
            v for (kind, _), v in uow.mappings(connection.id).as_dict().items() if kind == "payment_method"
        )
    async with httpx.AsyncClient(base_url=world.sandbox_urls["xero"], timeout=10) as client:
        payment = {"Account": {"AccountID": bank}, "Date": "2026-10-20", "Amount": 1.0}
        await _in_xero(
            client,
            "PUT",
            "/Payments",
            {"Payments": [{**payment, "Invoice": {"InvoiceID": ids[paid.source_id]}}]},
        )
        body = {"Invoices": [{"InvoiceID": ids[voided.source_id], "Status": "VOIDED"}]}
        await _in_xero(client, "POST", f"/Invoices/{ids[voided.source_id]}", body)
        line = {
            "Description": "Call-out",
            "Quantity": 1,
            "UnitAmount": 30.0,
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
        }
        raised = {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact},
            "Date": "2026-10-10",
            "DueDate": "2026-11-10",
            "Status": "AUTHORISED",
            "LineItems": [line],
        }
        stranger = (await _in_xero(client, "PUT", "/Invoices", {"Invoices": [raised]}))["Invoices"][0]
        await _in_xero(
            client,
            "PUT",
            "/Payments",
            {"Payments": [{**payment, "Invoice": {"InvoiceID": stranger["InvoiceID"]}}]},
        )
    customer = customer_name(world, paid.record.customer_id)  # type: ignore[attr-defined]
    return {"voided": voided.record.number, "customer": customer}  # type: ignore[attr-defined]


def customer_name(world: World, customer_id: str) -> str:
    with world.store.unit_of_work() as uow:
        customer = uow.records(world.company_id).get(RecordKind.CUSTOMER, customer_id).record
    assert isinstance(customer, Customer)
    return customer.display_name


@pytest.fixture(params=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return DESKTOP if request.param == "desktop" else PHONE


@pytest.fixture
def worked(world: World) -> dict[str, str]:
    """Made before the browser starts: Playwright's own loop would refuse a second one."""
    return asyncio.run(_worked_on_in_xero(world))


def test_the_changes_page_shows_what_came_back_and_what_waits_for_a_person(
    world: World, worked: dict[str, str], person: Person
) -> None:
    sign_in_as_administrator(person, world)
    page = person.page
    page.goto("/dashboard")
    page.click("text=Changes from the package")
    page.wait_for_url("**/from-package")
    nothing_yet = page.inner_text("main")
    page.click("button:has-text('Read now')")
    reading = page.inner_text(".flash")
    for _ in range(60):  # the web process reads once the page has answered
        page.reload()
        if page.locator("table.applied tbody tr").count() >= 2 and page.locator("table.waiting").count():
            break
        page.wait_for_timeout(500)
    applied = {
        row.get_attribute("data-what"): row.inner_text()
        for row in page.locator("table.applied tbody tr").all()
    }
    waiting = page.inner_text("table.waiting")
    check_page(person, "changes-from-the-package", keyboard=True)

    page.check("input[name=kind][value=credit_allocation]")
    page.click("button:has-text('Save')")
    flash = page.inner_text(".flash")
    check_page(person, "changes-from-the-package-settings-saved")

    assert "Nothing has come back yet." in nothing_yet
    assert "Reading now" in reading
    assert "£1.00" in applied["created"]
    assert "Recorded in the package" in applied["created"]
    assert f"Invoice {worked['voided']}" in applied["voided"]
    assert "cancelled here" in applied["voided"]
    assert "did not send" in waiting
    assert f"Payment in the package · {worked['customer']} · £1.00" in waiting
    assert "from now on" in flash
    assert page.is_checked("input[name=kind][value=credit_allocation]")
    assert page.is_checked("input[name=kind][value=payment]")
