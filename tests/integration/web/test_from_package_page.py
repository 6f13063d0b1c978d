"""The changes page is for everyone signed in to the company; which kinds of change come back is for
its administrators to choose, and a bookkeeper's post changes nothing."""

from __future__ import annotations

import pytest

from ledgerlink.services.access import add_user
from ledgerlink.services.inbound.settings import listed_for_a_person, reading_settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection
from ledgerlink.store.inbound import ChangeRead
from tests.integration.web.conftest import PASSWORD, Browser, Tenant
from tests.integration.web.test_administrators import connected

BOOKKEEPER = "bookkeeper@hollis.example.com"


@pytest.fixture
def bookkeeper(web_store: Store, tenants: tuple[Tenant, Tenant]) -> str:
    with web_store.unit_of_work() as uow:
        company = next(c for c in uow.companies.list() if c.id == tenants[0].company_id)
    add_user(web_store, company, email=BOOKKEEPER, password=PASSWORD)
    return BOOKKEEPER


async def test_a_bookkeeper_reads_the_changes_but_cannot_choose_what_comes_back(
    browser: Browser, bookkeeper: str, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    company_id = tenants[0].company_id
    connected(web_store, company_id)
    await browser.sign_in(bookkeeper)

    page = await browser.get("/from-package")
    refused = await browser.post("/from-package/settings", {"kind": "document", "schedule": "on_demand"})

    assert page.status_code == 200
    assert "Nothing is waiting for a person." in page.text
    assert 'action="/from-package/settings"' not in page.text
    assert "<li>Payments and refunds</li>" in page.text
    assert refused.status_code == 403
    assert reading_settings(web_store, company_id).kinds == {"payment"}


async def test_an_administrator_chooses_what_comes_back(
    browser: Browser, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    company_id = tenants[0].company_id
    connected(web_store, company_id)
    await browser.sign_in(tenants[0].email)
    await browser.get("/from-package")

    saved = await browser.post(
        "/from-package/settings", {"kind": ["payment", "credit_allocation"], "schedule": "on_demand"}
    )
    emptied = await browser.post("/from-package/settings", {"schedule": "on_demand"})
    page = await browser.get("/from-package")

    assert (saved.status_code, emptied.status_code) == (303, 303)
    assert reading_settings(web_store, company_id).kinds == {"payment", "credit_allocation"}
    assert "Not saved: kinds must be some of" in page.text  # none ticked changes nothing


def waiting_change(store: Store, connection: Connection) -> int:
    """A payment read from the package against a document ledgerlink did not send: left for a person.
    Answers its event's id."""
    content = {"type": "payment", "package_id": "pay-9", "amount": "30.00", "contact_id": "c-1"}
    with store.unit_of_work() as uow:
        inbound = uow.inbound(connection)
        inbound.add_changes([ChangeRead("payment", "pay-9", "f" * 64, content)])
        change = inbound.pending()[0]
        reason = "paid against the package's sales invoice inv-77, which ledgerlink did not send"
        inbound.settle(change.id, "needs_person", reason=reason)
        event_id = inbound.add_event(change.id, "", "", "needs_person", {"reason": reason, "change": content})
        uow.commit()
    return event_id


async def test_a_bookkeeper_marks_a_waiting_change_dealt_with_and_can_undo_it(
    browser: Browser, bookkeeper: str, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    company_id = tenants[0].company_id
    event_id = waiting_change(web_store, connected(web_store, company_id))
    await browser.sign_in(bookkeeper)
    before = await browser.get("/from-package")
    assert f'action="/from-package/{event_id}/dealt-with"' in before.text

    marked = await browser.post(
        f"/from-package/{event_id}/dealt-with", {"note": "refunded the customer by hand"}
    )
    after = await browser.get("/from-package")

    assert marked.status_code == 303
    assert "Nothing is waiting for a person." in after.text
    assert f"Dealt with by {BOOKKEEPER}" in after.text  # in the history, with who and the note
    assert "refunded the customer by hand" in after.text
    assert "which ledgerlink did not send" in after.text
    assert listed_for_a_person(web_store, company_id) == []

    undone = await browser.post(f"/from-package/{event_id}/waiting")
    again = await browser.get("/from-package")

    assert undone.status_code == 303
    assert "Nothing is waiting for a person." not in again.text
    assert f'action="/from-package/{event_id}/dealt-with"' in again.text
    assert len(listed_for_a_person(web_store, company_id)) == 1


async def test_a_change_of_another_company_cannot_be_marked(
    browser: Browser, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    event_id = waiting_change(web_store, connected(web_store, tenants[1].company_id))
    await browser.sign_in(tenants[0].email)

    await browser.post(f"/from-package/{event_id}/dealt-with", {"note": "not mine"})

    assert len(listed_for_a_person(web_store, tenants[1].company_id)) == 1
