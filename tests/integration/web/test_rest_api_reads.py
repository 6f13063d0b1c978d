"""The job system reads records back: one by its own id, and lists a page at a time by when they changed,
so it can take in the customers imported from the package and later only what changed."""

from __future__ import annotations

import httpx

from tests.integration.web.conftest import Tenant

CUSTOMER = {
    "first_name": "Priya",
    "last_name": "Okafor",
    "email": "priya@example.com",
    "address": {"line1": "4 Mill Lane", "town": "Leeds", "postcode": "LS6 2AB"},
}


def auth(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.api_key}"}


async def test_one_record_reads_back_as_the_body_a_put_would_send(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, ayres = tenants
    await client.put("/api/v1/customer/C-OKAFOR", json=CUSTOMER, headers=auth(hollis))

    read = await client.get("/api/v1/customer/C-OKAFOR", headers=auth(hollis))
    put_back = await client.put("/api/v1/customer/C-OKAFOR", json=read.json()["record"], headers=auth(hollis))
    elsewhere = await client.get("/api/v1/customer/C-OKAFOR", headers=auth(ayres))

    assert read.status_code == 200, read.text
    assert read.json()["source_id"] == "C-OKAFOR"
    assert read.json()["record"]["address"]["postcode"] == "LS6 2AB"
    assert read.json()["record"]["email"] == "priya@example.com"
    assert put_back.json()["result"] == "unchanged"
    assert elsewhere.status_code == 404


async def test_a_list_pages_by_cursor_and_updated_since_gives_only_what_changed(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, _ = tenants
    for number in range(5):
        body = {**CUSTOMER, "last_name": f"Okafor {number}"}
        await client.put(f"/api/v1/customer/C-{number}", json=body, headers=auth(hollis))
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/customer", params=params, headers=auth(hollis))).json()
        pages += 1
        seen += [item["source_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    last_change = (await client.get("/api/v1/customer/C-4", headers=auth(hollis))).json()["updated_at"]
    await client.put(
        "/api/v1/customer/C-1", json={**CUSTOMER, "last_name": "Okafor-Smith"}, headers=auth(hollis)
    )
    since = await client.get("/api/v1/customer", params={"updated_since": last_change}, headers=auth(hollis))

    assert sorted(seen) == ["C-0", "C-1", "C-2", "C-3", "C-4", "C-HOLLIS"]
    assert pages == 3
    assert [item["source_id"] for item in since.json()["items"]] == ["C-4", "C-1"]
    assert since.json()["items"][1]["record"]["last_name"] == "Okafor-Smith"


async def test_a_cursor_not_shaped_as_one_or_a_time_without_its_zone_answers_422_naming_it(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, _ = tenants
    bad_cursor = await client.get("/api/v1/customer", params={"cursor": "nonsense"}, headers=auth(hollis))
    no_zone = await client.get(
        "/api/v1/invoice", params={"updated_since": "2026-01-01T00:00:00"}, headers=auth(hollis)
    )

    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["detail"][0]["loc"][:2] == ["query", "cursor"]
    assert no_zone.status_code == 422
    assert no_zone.json()["detail"][0]["loc"][:2] == ["query", "updated_since"]
