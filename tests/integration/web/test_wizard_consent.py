"""The mapping step in the wizard offers what the package needs made (QuickBooks' items) as an action,
and the answer is kept on the connection."""

from __future__ import annotations

from pathlib import Path

import httpx

from ledgerlink.services.access import add_user
from ledgerlink.store import Store
from ledgerlink.web import create_app
from tests.integration.services.test_package_consents import mapped
from tests.integration.web.conftest import PASSWORD, Browser
from tests.support.sandbox_books import books_for


async def test_the_wizard_mapping_page_offers_the_items_as_an_action_and_keeps_the_answer(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("quickbooks", sqlite_store, tmp_path, company="Hollis Heating")
    with sqlite_store.unit_of_work() as uow:
        company = uow.companies.find_by_id(books.company_id)
    assert company is not None
    add_user(sqlite_store, company, email="owner@hollis.example.com", password=PASSWORD, is_admin=True)
    await mapped(books)

    app = create_app(sqlite_store, books.connectors.settings, books.connectors)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        browser = Browser(client)
        await browser.sign_in("owner@hollis.example.com")
        asked = await browser.get("/wizard/nominals")
        allowed = await browser.post("/wizard/nominals/consent", {"name": "create_sales_items"})
        after = await browser.get("/wizard/nominals")

    assert "QuickBooks sells every invoice line through an item" in asked.text
    assert ">Create the items</button>" in asked.text
    assert allowed.status_code == 303
    assert books.current().consents == {"create_sales_items"}
    assert "Withdraw: make nothing more" in after.text
    assert ">Create the items</button>" not in after.text
