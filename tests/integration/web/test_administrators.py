"""Only a company's administrators manage its people, its API keys and its connection to the package:
anyone else signed in to the company gets 403 for those pages and form posts, and nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledgerlink.services.access import add_user, api_keys_of, users_of
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository
from tests.integration.web.conftest import PASSWORD, Browser, Tenant

BOOKKEEPER = "bookkeeper@hollis.example.com"


@pytest.fixture
def bookkeeper(web_store: Store, tenants: tuple[Tenant, Tenant]) -> str:
    """Someone of the first company who signs in but does not administer it."""
    with web_store.unit_of_work() as uow:
        company = next(c for c in uow.companies.list() if c.id == tenants[0].company_id)
    add_user(web_store, company, email=BOOKKEEPER, password=PASSWORD)
    return BOOKKEEPER


def connected(store: Store, company_id: int) -> Connection:
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company_id).connect(
            package="sage",
            business_id="b1",
            business_name="Hollis Books",
            sandbox=True,
            sealed_tokens="unused",
            access_expires_at=datetime.now(UTC) + timedelta(hours=1),
            refresh_expires_at=None,
        )
        uow.commit()
    return connection


def current(store: Store, company_id: int) -> Connection | None:
    with store.unit_of_work() as uow:
        return ConnectionRepository(uow.session, company_id).current()


ADMIN_PAGES = [
    "/settings/users",
    "/settings/api-keys",
    "/wizard/business",
    "/wizard/sign-in",
    "/connect/callback?code=c&state=s",
]


@pytest.mark.parametrize("address", ADMIN_PAGES)
async def test_a_bookkeeper_gets_403_for_an_administrators_page(
    browser: Browser, bookkeeper: str, address: str
) -> None:
    await browser.sign_in(bookkeeper)
    reply = await browser.get(address)
    assert reply.status_code == 403
    assert "Only an administrator of Hollis Heating" in reply.text


async def test_a_bookkeeper_cannot_make_or_revoke_an_api_key(
    browser: Browser, bookkeeper: str, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    company_id = tenants[0].company_id
    [key] = api_keys_of(web_store, company_id)
    await browser.sign_in(bookkeeper)
    assert (await browser.post("/settings/api-keys", {"name": "mine"})).status_code == 403
    assert (await browser.post(f"/settings/api-keys/{key.id}/revoke")).status_code == 403
    [still] = api_keys_of(web_store, company_id)
    assert (still.id, still.active) == (key.id, True)


async def test_a_bookkeeper_cannot_add_a_person(
    browser: Browser, bookkeeper: str, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    await browser.sign_in(bookkeeper)
    reply = await browser.post(
        "/settings/users", {"email": "friend@example.com", "password": PASSWORD, "is_admin": "true"}
    )
    assert reply.status_code == 403
    assert "friend@example.com" not in {u.email for u in users_of(web_store, tenants[0].company_id)}


async def test_a_bookkeeper_cannot_connect_or_disconnect_the_package(
    browser: Browser, bookkeeper: str, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    company_id = tenants[0].company_id
    connection = connected(web_store, company_id)
    await browser.sign_in(bookkeeper)
    assert (await browser.post("/connect", {"package": "xero", "sandbox": "true"})).status_code == 403
    assert (await browser.post("/disconnect")).status_code == 403
    still = current(web_store, company_id)
    assert still is not None
    assert (still.id, still.status) == (connection.id, "active")


async def test_a_bookkeeper_is_not_offered_what_only_an_administrator_may_do(
    browser: Browser, bookkeeper: str, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    connected(web_store, tenants[0].company_id)
    await browser.sign_in(bookkeeper)
    page = (await browser.get("/wizard/get-started")).text
    assert 'href="/settings/api-keys"' not in page
    assert 'action="/disconnect"' not in page
    assert 'action="/connect"' not in page


async def test_an_administrator_adds_a_person_who_can_then_sign_in(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    await browser.sign_in(tenants[0].email)
    page = await browser.get("/settings/users")
    assert page.status_code == 200
    assert tenants[0].email in page.text
    added = await browser.post("/settings/users", {"email": "new@hollis.example.com", "password": PASSWORD})
    assert added.status_code == 303
    await browser.post("/sign-out")
    assert (await browser.sign_in("new@hollis.example.com")).status_code == 303


async def test_an_administrator_is_told_why_a_person_was_not_added(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    await browser.sign_in(tenants[0].email)
    await browser.get("/settings/users")
    reply = await browser.post("/settings/users", {"email": "short@hollis.example.com", "password": "short"})
    assert reply.status_code == 422
    assert "at least 10 characters" in reply.text


async def test_an_administrator_disconnects_the_package(
    browser: Browser, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    company_id = tenants[0].company_id
    connected(web_store, company_id)
    await browser.sign_in(tenants[0].email)
    await browser.get("/wizard/get-started")
    reply = await browser.post("/disconnect")
    assert reply.status_code == 303
    assert current(web_store, company_id) is None
    again = await browser.get("/wizard/get-started")
    assert "Disconnected from" in again.text
