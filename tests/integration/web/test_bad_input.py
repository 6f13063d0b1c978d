"""Bad input answers 4xx naming what is wrong, never 500: numbers and text JSON cannot carry, figures
decimal arithmetic cannot hold, ids beyond what the database stores, and ids written with a `/`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from ledgerlink.domain.records import RecordKind
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import create_app
from tests.integration.web.conftest import Browser, Tenant, make_tenant
from tests.integration.web.test_company_isolation import queue_everything
from tests.integration.web.test_rest_api import INVOICE, auth


def invoice_with_quantity(written: str) -> str:
    """The invoice body with its line's quantity as `written` stands in the JSON text."""
    body = json.dumps({**INVOICE, "lines": [{**INVOICE["lines"][0], "quantity": "QUANTITY"}]})  # type: ignore[dict-item]
    return body.replace('"QUANTITY"', written)


async def put_raw(client: httpx.AsyncClient, tenant: Tenant, path: str, body: str) -> httpx.Response:
    headers = {**auth(tenant), "Content-Type": "application/json"}
    return await client.put(f"/api/v1/{path}", content=body.encode("utf-8"), headers=headers)


def places(reply: httpx.Response) -> list[list[str | int]]:
    return [problem["loc"] for problem in reply.json()["detail"]]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "2.5"])
async def test_a_figure_sent_as_a_json_number_is_refused_naming_the_field(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant], number: str
) -> None:
    reply = await put_raw(client, tenants[0], "invoice/J-NUMBER", invoice_with_quantity(number))
    assert reply.status_code == 422, reply.text
    assert places(reply) == [["body", "lines", 0, "quantity"]]
    assert "decimal string" in reply.json()["detail"][0]["msg"]


async def test_a_number_where_text_belongs_is_refused_naming_the_field(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    body = json.dumps(INVOICE).replace('"INV-2001"', "NaN")
    reply = await put_raw(client, tenants[0], "invoice/J-NUMBER", body)
    assert reply.status_code == 422, reply.text
    assert places(reply) == [["body", "number"]]


async def test_text_holding_a_lone_surrogate_is_refused_naming_the_field(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    body = json.dumps(INVOICE).replace('"INV-2001"', '"x\\ud800y"')
    reply = await put_raw(client, tenants[0], "invoice/J-SURROGATE", body)
    assert reply.status_code == 422, reply.text
    assert places(reply) == [["body", "number"]]

    unknown_field = json.dumps({**INVOICE, "x": 1}).replace('"x"', '"\\udfff"')
    reply = await put_raw(client, tenants[0], "invoice/J-SURROGATE", unknown_field)
    assert reply.status_code == 422, reply.text


@pytest.mark.parametrize("written", ['"1E+999999999"', '"1e-999999999"', '"1000000000000"', '"12.5e3"'])
async def test_a_figure_decimal_arithmetic_cannot_hold_is_refused_naming_the_field(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant], written: str
) -> None:
    reply = await put_raw(client, tenants[0], "invoice/J-HUGE", invoice_with_quantity(written))
    assert reply.status_code == 422, reply.text
    assert places(reply) == [["body", "lines", 0, "quantity"]]
    assert (await client.get("/api/v1/invoice/J-HUGE/status", headers=auth(tenants[0]))).status_code == 404


async def test_lines_adding_up_to_more_than_the_books_keep_are_refused_naming_the_lines(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    line = {**INVOICE["lines"][0], "quantity": "999999999999", "unit_price": "999999999999"}  # type: ignore[dict-item]
    reply = await client.put(
        "/api/v1/invoice/J-HUGE", json={**INVOICE, "lines": [line]}, headers=auth(tenants[0])
    )
    assert reply.status_code == 422, reply.text
    assert places(reply) == [["body", "lines"]]


@pytest.mark.parametrize("source_id", ["INV/2024/001", "a/b/c/d", "ends-with/status-not"])
async def test_a_source_id_holding_slashes_is_written_and_read_back(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant], source_id: str
) -> None:
    hollis, _ = tenants
    created = await client.put(f"/api/v1/invoice/{source_id}", json=INVOICE, headers=auth(hollis))
    assert created.status_code == 201, created.text
    assert created.json()["source_id"] == source_id
    encoded = source_id.replace("/", "%2F")
    again = await client.put(f"/api/v1/invoice/{encoded}", json=INVOICE, headers=auth(hollis))
    assert again.json()["result"] == "unchanged"
    state = await client.get(f"/api/v1/invoice/{source_id}/status", headers=auth(hollis))
    assert state.status_code == 200, state.text
    assert state.json()["source_id"] == source_id


async def test_an_id_too_large_for_the_database_answers_422_naming_it_on_every_page(
    browser: Browser, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    hollis, _ = tenants
    queue_everything(web_store, hollis.company_id)
    await browser.sign_in(hollis.email)
    huge = "9" * 30
    entry = await browser.get(f"/dashboard/entries/{huge}")
    assert entry.status_code == 422
    assert "entry_id" in entry.text
    assert (await browser.get(f"/dashboard/entries/{2**63}")).status_code == 422
    assert (await browser.get(f"/dashboard/entries/{2**63 - 1}")).status_code == 404
    revoke = await browser.post(f"/settings/api-keys/{huge}/revoke")
    assert revoke.status_code == 422
    assert "key_id" in revoke.text
    undo = await browser.post(f"/wizard/import/undo/{huge}")
    assert undo.status_code == 422


@pytest.fixture
def any_app(any_store: Store, tmp_path: Path) -> httpx.AsyncClient:
    settings = Settings(data_dir=tmp_path, secret_key="race tests")
    connectors = ConnectorFactory(store=any_store, settings=settings, box=SecretBox("race tests"))
    app = create_app(any_store, settings, connectors)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_parallel_puts_of_one_new_record_create_it_once(
    any_app: httpx.AsyncClient, any_store: Store
) -> None:
    """A job system retrying a slow call: every request finds nothing stored, all insert, one wins. The
    race depends on timing, so it is run for several new records."""
    tenant = make_tenant(any_store, "Hollis Heating", "C-HOLLIS")
    async with any_app as client:
        for source_id in ("J-RACE-1", "J-RACE-2", "J-RACE-3"):
            replies = await asyncio.gather(
                *(
                    client.put(f"/api/v1/invoice/{source_id}", json=INVOICE, headers=auth(tenant))
                    for _ in range(20)
                )
            )
            assert sorted({reply.status_code for reply in replies}) == [200, 201], [r.text for r in replies]
            results = [reply.json()["result"] for reply in replies]
            assert results.count("created") == 1
            assert results.count("unchanged") == 19
    with any_store.unit_of_work() as uow:
        assert uow.records(tenant.company_id).counts()[RecordKind.INVOICE] == 4  # the tenant's own, and these


async def test_a_method_a_path_does_not_take_answers_405_naming_every_method_it_does(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    reply = await client.request("OPTIONS", "/api/v1/send", headers=auth(tenants[0]))
    assert reply.status_code == 405
    assert reply.headers["allow"] == "GET, POST"


async def test_text_holding_a_nul_is_refused_naming_the_field_on_every_database(
    any_app: httpx.AsyncClient, any_store: Store
) -> None:
    """PostgreSQL cannot store a NUL in text: it is refused before it reaches the store."""
    tenant = make_tenant(any_store, "Hollis Heating", "C-HOLLIS")
    payment = {"date": "2026-02-03", "customer_id": "C-HOLLIS", "amount": "10.00", "method": "BACS"}
    async with any_app as client:
        in_a_number = await client.put(
            "/api/v1/invoice/J-NUL", json={**INVOICE, "number": "INV\x002001"}, headers=auth(tenant)
        )
        in_a_parent = await client.put(
            "/api/v1/customer_payment/P-NUL",
            json={**payment, "allocations": [{"document_id": "C-HOLLIS\x00-INV", "amount": "1.00"}]},
            headers=auth(tenant),
        )
    assert in_a_number.status_code == 422, in_a_number.text
    assert places(in_a_number) == [["body", "number"]]
    assert in_a_parent.status_code == 422, in_a_parent.text
    assert places(in_a_parent) == [["body", "allocations", 0, "document_id"]]
