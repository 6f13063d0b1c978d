"""Every company's pages, records and API answers are invisible to every other company: 404, not 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from ledgerlink.domain.records import RecordKind
from ledgerlink.store import Store
from ledgerlink.store.connections import ConnectionRepository
from ledgerlink.store.outbox import OutboxRepository
from tests.integration.web.conftest import Browser, Tenant


def queue_everything(store: Store, company_id: int) -> dict[str, int]:
    """A connection (tokens never used here) and outbox entries for the company's records."""
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company_id).connect(
            package="sage",
            business_id=f"b{company_id}",
            business_name="Books",
            sandbox=True,
            sealed_tokens="unused",
            access_expires_at=datetime.now(UTC) + timedelta(hours=1),
            refresh_expires_at=None,
        )
        outbox = OutboxRepository(uow.session, connection.id, company_id)
        outbox.sync(None)
        entries = {entry.source_id: entry.id for entry in outbox.in_states(list(outbox.counts()))}
        uow.commit()
    return entries


async def test_a_person_gets_404_for_another_companys_record_pages(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, ayres = tenants
    await browser.sign_in(hollis.email)
    own = await browser.get(f"/records/customer/{hollis.customer_id}")
    assert own.status_code == 200
    assert "Hollis" in own.text
    other = await browser.get(f"/records/customer/{ayres.customer_id}")
    assert other.status_code == 404
    assert "Ayres" not in other.text
    assert (await browser.get(f"/records/invoice/{ayres.customer_id}-INV")).status_code == 404


async def test_a_person_gets_404_for_another_companys_outbox_entries(
    browser: Browser, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    hollis, ayres = tenants
    own = queue_everything(web_store, hollis.company_id)
    theirs = queue_everything(web_store, ayres.company_id)
    await browser.sign_in(hollis.email)
    assert (await browser.get(f"/dashboard/entries/{own[hollis.customer_id]}")).status_code == 200
    other = await browser.get(f"/dashboard/entries/{theirs[ayres.customer_id]}")
    assert other.status_code == 404
    assert ayres.customer_id not in other.text


async def test_an_api_key_gets_404_for_another_companys_records(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, ayres = tenants
    headers = {"Authorization": f"Bearer {hollis.api_key}"}
    own = await client.get(f"/api/v1/customer/{hollis.customer_id}/status", headers=headers)
    assert own.status_code == 200
    assert own.json()["state"] == "not_queued"
    assert (
        await client.get(f"/api/v1/customer/{ayres.customer_id}/status", headers=headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/invoice/{ayres.customer_id}-INV/status", headers=headers)
    ).status_code == 404


async def test_writing_through_one_companys_key_never_touches_anothers_record(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    hollis, ayres = tenants
    reply = await client.put(
        f"/api/v1/customer/{ayres.customer_id}",
        json={"first_name": "Mallory", "last_name": "Intruder"},
        headers={"Authorization": f"Bearer {hollis.api_key}"},
    )
    assert reply.status_code == 201  # a customer of Hollis's own that happens to share the id
    with web_store.unit_of_work() as uow:
        theirs = uow.records(ayres.company_id).get(RecordKind.CUSTOMER, ayres.customer_id)
    assert "Mallory" not in theirs.record.model_dump_json()
