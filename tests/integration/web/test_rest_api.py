"""The REST API as the job system sees it: keys, records by its own id, field errors, status, sending."""

from __future__ import annotations

import httpx

from ledgerlink.services.access import revoke_api_key
from ledgerlink.store import Store
from tests.integration.web.conftest import Tenant

INVOICE = {
    "number": "INV-2001",
    "date": "2026-02-03",
    "customer_id": "C-HOLLIS",
    "lines": [
        {
            "description": "Radiator valve",
            "quantity": "2",
            "unit_price": "12.50",
            "vat_rate": "S",
            "nominal_code": "4000",
        }
    ],
}


def auth(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.api_key}"}


async def test_a_record_is_created_then_unchanged_then_updated_by_the_job_systems_id(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, _ = tenants
    created = await client.put("/api/v1/invoice/J-2001", json=INVOICE, headers=auth(hollis))
    assert created.status_code == 201, created.text
    assert created.json()["result"] == "created"
    again = await client.put("/api/v1/invoice/J-2001", json=INVOICE, headers=auth(hollis))
    assert again.status_code == 200
    assert again.json()["result"] == "unchanged"
    changed = await client.put(
        "/api/v1/invoice/J-2001", json={**INVOICE, "number": "INV-2001A"}, headers=auth(hollis)
    )
    assert changed.json()["result"] == "updated"
    assert changed.json()["version"] != created.json()["version"]
    state = await client.get("/api/v1/invoice/J-2001/status", headers=auth(hollis))
    assert state.json() | {"version": ""} == {
        "kind": "invoice",
        "source_id": "J-2001",
        "version": "",
        "state": "not_queued",
        "package_id": "",
        "reason": "",
        "field": "",
        "attempts": 0,
        "sent_at": None,
        "changed_after_sending": "",
    }


async def test_a_record_with_an_error_answers_422_naming_the_field_and_nothing_is_kept(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, _ = tenants
    unknown_nominal = {**INVOICE, "lines": [{**INVOICE["lines"][0], "nominal_code": "9999"}]}  # type: ignore[dict-item]
    reply = await client.put("/api/v1/invoice/J-BAD", json=unknown_nominal, headers=auth(hollis))
    assert reply.status_code == 422
    places = [".".join(str(part) for part in problem["loc"]) for problem in reply.json()["detail"]]
    assert any("nominal_code" in place for place in places), reply.json()
    assert (await client.get("/api/v1/invoice/J-BAD/status", headers=auth(hollis))).status_code == 404

    not_a_number = {**INVOICE, "lines": [{**INVOICE["lines"][0], "unit_price": "twelve"}]}  # type: ignore[dict-item]
    reply = await client.put("/api/v1/invoice/J-BAD", json=not_a_number, headers=auth(hollis))
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"][-1] == "unit_price"

    huge = {**INVOICE, "lines": [{**INVOICE["lines"][0], "unit_price": "1e40"}]}  # type: ignore[dict-item]
    reply = await client.put("/api/v1/invoice/J-BAD", json=huge, headers=auth(hollis))
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"][-1] == "unit_price"


async def test_calls_without_a_valid_key_answer_401(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant], web_store: Store
) -> None:
    hollis, _ = tenants
    assert (await client.get("/api/v1/onboarding")).status_code == 401
    assert (
        await client.get("/api/v1/onboarding", headers={"Authorization": "Bearer ll_nope_nope"})
    ).status_code == 401
    assert (await client.get("/api/v1/onboarding", headers=auth(hollis))).status_code == 200
    prefix = hollis.api_key.split("_")[1]
    revoke_api_key(web_store, hollis.company_id, prefix)
    revoked = await client.get("/api/v1/onboarding", headers=auth(hollis))
    assert revoked.status_code == 401


async def test_onboarding_failures_and_send_say_where_an_unconnected_company_stands(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, _ = tenants
    state = (await client.get("/api/v1/onboarding", headers=auth(hollis))).json()
    assert state["connected"] is False
    assert state["current"] == "get_started"
    assert [step["name"] for step in state["steps"]] == ["get_started", "nominals", "open_items", "send"]
    assert (await client.get("/api/v1/failures", headers=auth(hollis))).json() == []
    refused = await client.post("/api/v1/send", headers=auth(hollis))
    assert refused.status_code == 409
    assert "not connected" in refused.json()["detail"]


async def test_the_openapi_document_names_schemas_by_role(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = set(spec["components"]["schemas"])
    assert {
        "InvoiceCreate",
        "CustomerCreate",
        "SupplierPaymentCreate",
        "RecordStatusPublic",
        "RecordWritePublic",
    } <= schemas
    assert "/api/v1/invoice/{source_id}" in spec["paths"]
    assert not any(path.startswith("/wizard") for path in spec["paths"])
