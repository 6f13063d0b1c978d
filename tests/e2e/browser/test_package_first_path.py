"""A bookkeeper sets up the package-first path in the browser, on the Sage sandbox: the business's
customers and suppliers live in Sage, so they are imported into the job system first (the report read,
a duplicate left out), then the job system invoices them, and the send creates nothing Sage already had."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from ledgerlink.domain.records import Customer, RecordKind, Supplier
from ledgerlink.services.demo.sandbox_session import seed_business
from tests.e2e.browser.conftest import Person, World, open_world
from tests.e2e.browser.contacts import PACKAGE_FIRST
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

BUSINESS = "Demo Heating Books"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A job system just installed: its nominal accounts, VAT rates and payment methods, no records."""
    yield from open_world(tmp_path, demo_records=False)


@pytest.fixture
def in_sage(world: World) -> list[dict[str, Any]]:
    """Seeded before the browser starts: Playwright's own loop would refuse a second one."""
    asyncio.run(seed_business(world.connectors, "sage", BUSINESS, contacts=PACKAGE_FIRST))
    return PACKAGE_FIRST


def by_reference(world: World, kind: RecordKind) -> dict[str, str]:
    """The job system's ids of the imported records, by the account reference they kept from Sage."""
    with world.store.unit_of_work() as uow:
        items = uow.records(world.company_id).list(kind, limit=100).items
    return {
        item.record.account_reference: item.source_id
        for item in items
        if isinstance(item.record, Customer | Supplier)
    }


def job_system_feeds(world: World, key: str) -> None:
    """What the job system sends through the REST API once it knows the imported customers: a supplier
    of its own, three invoices, a payment, two bills and a payment to a supplier."""
    customers = by_reference(world, RecordKind.CUSTOMER)
    suppliers = by_reference(world, RecordKind.SUPPLIER)

    def line(description: str, price: str, nominal: str, quantity: str = "1") -> dict[str, str]:
        return {
            "description": description,
            "quantity": quantity,
            "unit_price": price,
            "vat_rate": "S",
            "nominal_code": nominal,
        }

    records: list[tuple[str, str, dict[str, Any]]] = [
        (
            "supplier",
            "JOB-SUP-1",
            {
                "name": "Screwfix Direct Ltd",
                "address": {"line1": "Trade Counter, Kirkstall Road", "town": "Leeds", "postcode": "LS4 2AZ"},
                "email": "trade@screwfix.example.com",
                "default_expense_nominal": "5000",
            },
        ),
        (
            "invoice",
            "J-5001",
            {
                "number": "INV-5001",
                "date": "2026-10-05",
                "customer_id": customers["SMITH01"],
                "lines": [line("Boiler service", "80.00", "4020")],
            },
        ),
        (
            "invoice",
            "J-5002",
            {
                "number": "INV-5002",
                "date": "2026-10-12",
                "customer_id": customers["ACME01"],
                "lines": [line("Landlord gas safety certificate", "60.00", "4020", quantity="3")],
            },
        ),
        (
            "invoice",
            "J-5003",
            {
                "number": "INV-5003",
                "date": "2026-10-20",
                "customer_id": customers["OKAFOR1"],
                "lines": [line("Radiator fitted", "450.00", "4010")],
            },
        ),
        (
            "customer_payment",
            "P-5001",
            {
                "date": "2026-10-10",
                "customer_id": customers["SMITH01"],
                "amount": "96.00",
                "method": "bacs",
                "allocations": [{"document_id": "J-5001", "amount": "96.00"}],
            },
        ),
        (
            "supplier_invoice",
            "SI-5001",
            {
                "number": "PC-88123",
                "date": "2026-10-03",
                "supplier_id": suppliers["PLUMB01"],
                "lines": [line("Copper pipe 15mm", "120.00", "5000")],
            },
        ),
        (
            "supplier_invoice",
            "SI-5002",
            {
                "number": "SF-1001",
                "date": "2026-10-04",
                "supplier_id": "JOB-SUP-1",
                "lines": [line("Compression fittings", "35.50", "5000")],
            },
        ),
        (
            "supplier_payment",
            "SP-5001",
            {
                "date": "2026-10-15",
                "supplier_id": suppliers["PLUMB01"],
                "amount": "144.00",
                "method": "bacs",
                "allocations": [{"document_id": "SI-5001", "amount": "144.00"}],
            },
        ),
    ]
    with httpx.Client(base_url=world.base_url, headers={"Authorization": f"Bearer {key}"}) as api:
        for kind, source_id, body in records:
            reply = api.put(f"/api/v1/{kind}/{source_id}", json=body)
            assert reply.status_code == 201, reply.text


def test_the_package_first_path_imports_then_sends_everything_without_duplicates(
    world: World, in_sage: list[dict[str, Any]], person: Person
) -> None:
    page = person.page
    create_first_administrator(person)
    choose_path(person, "package-first")

    # connecting is the first step: importing reads Sage; nothing further on is ticked before it is done
    page.wait_for_url("**/wizard/get-started")
    assert page.locator(".steps li").count() == 6
    assert page.locator(".steps li").first.get_attribute("data-step") == "get_started"
    assert page.locator(".steps li.done").count() == 0
    connect_on_sandbox(person, world, "sage", BUSINESS)
    assert page.locator(".steps li.done").count() == 0
    page.fill("input[name=cut_off_date]", "2026-01-01")
    person.shot("cut-off-and-send-mode")
    page.click("text=Save and continue")
    expect(page.locator(".steps li.done")).to_have_count(1)

    page.wait_for_url("**/wizard/import")
    page.click("button:has-text('Preview the import of customers')")
    assert page.inner_text("ul.counts li[data-outcome=create] strong") == "4"
    assert page.inner_text("ul.counts li[data-outcome=skip] strong") == "1"
    assert "1 groups of likely duplicates" in page.inner_text(".preview")
    smith_card = page.locator("li.contact:has(.contact-head strong:text-is('Mr J. Smith'))")
    duplicate = page.locator("li.contact:has(.contact-head strong:text-is('SMITH, JOHN'))")
    assert "May be the same as Mr J. Smith" in duplicate.inner_text()
    assert "cannot work as an email address" in page.inner_text("li.contact:has-text('Mrs P. Okafor')")
    assert "no usable name" in page.inner_text("li.contact[data-result=skip]")
    # each contact's fields before and after: the postcode tidied, the mobile moved, the reference kept
    postcode = smith_card.locator("tr:has(th:text-is('address'))")
    assert "ls62ab" in postcode.inner_text()
    assert "postcode: LS6 2AB" in postcode.inner_text()
    assert "kept as mobile +447911123456" in smith_card.inner_text()
    assert "SMITH01" in smith_card.locator("tr:has(th:text-is('reference'))").inner_text()
    # likely duplicates start unticked; the second is merged into the first
    assert not smith_card.get_by_role("checkbox", name="Mr J. Smith").is_checked()
    assert not duplicate.get_by_role("checkbox", name="SMITH, JOHN").is_checked()
    person.shot("customer-import-report")
    duplicate.get_by_label("Merge into Mr J. Smith").check()
    person.shot("duplicate-merged")
    page.click("button:has-text('Import the ticked customers')")
    assert "Imported 3 customers" in page.inner_text(".flash")
    assert "merged 1 likely duplicates" in page.inner_text(".flash")
    imported = page.locator("section.imported li")
    assert imported.count() == 3
    assert "Mr J Smith" in page.inner_text("section.imported")

    page.click("p.tabs a:has-text('Suppliers')")
    page.click("button:has-text('Preview the import of suppliers')")
    assert page.inner_text("ul.counts li[data-outcome=create] strong") == "2"
    person.shot("supplier-import-report")
    page.click("button:has-text('Import the ticked suppliers')")
    assert "Imported 2 suppliers" in page.inner_text(".flash")
    person.shot("imports-done")

    # the imported customer, tidied on the way in: postcode written the usual way, phone as E.164
    smith = by_reference(world, RecordKind.CUSTOMER)["SMITH01"]
    page.goto(f"/records/customer/{smith}")
    assert page.inner_text(".details .postcode") == "LS6 2AB"
    assert page.inner_text(".details .mobile") == "+447911123456"
    person.shot("an-imported-customer")

    # the job system is given a key, and invoices the imported customers from then on
    page.click("header a:has-text('API keys')")
    page.fill("input[name=name]", "the job system")
    page.click("button:has-text('Make a new key')")
    key = page.inner_text("code.key").strip()
    person.shot("api-key-for-the-job-system")
    job_system_feeds(world, key)

    page.goto("/wizard")
    page.wait_for_url("**/wizard/nominals")
    map_nominals(person)
    assert page.locator(".problems").count() == 0
    person.shot("nominals-mapped")
    page.click("a.button:has-text('Continue')")
    page.wait_for_url("**/wizard/open-items")
    person.shot("open-items")
    page.click("a.button.continue")

    page.wait_for_url("**/wizard/link/suppliers")
    page.click("button:has-text('Find matches in')")
    expect(page.locator(".link-progress li[data-status=linked] strong")).to_have_text("2")  # imported
    assert page.inner_text(".link-progress li[data-status=create_new] strong") == "1"  # the job system's own
    person.shot("suppliers-linked")
    page.click("button:has-text('Finish linking suppliers')")

    page.wait_for_url("**/wizard/send")
    assert "5 customers and suppliers are linked already; 1 will be created" in page.inner_text(".step")
    person.shot("send-plan")
    page.click("button:has-text('Send now')")
    page.wait_for_selector("text=Sending finished.", timeout=60_000)
    person.shot("send-finished")
    page.click("text=Open the dashboard")

    page.wait_for_url("**/dashboard")
    shown = counts(person)
    assert (shown["failed"], shown["waiting"], shown["blocked"]) == (0, 0, 0)
    assert shown["sent"] >= 8
    assert "Setup is not finished" not in page.inner_text("main")
    page.click("text=Check balances against the package")
    page.wait_for_selector(".reconciled")
    assert "agree with the package" in page.inner_text(".reconciled")
    person.shot("dashboard-everything-sent")

    # Sage holds what it had, and the one supplier only the job system knew
    assert links_made_by_sending(world) == 1
    assert package_contacts(world, "sage", BUSINESS) == len(in_sage) + 1
