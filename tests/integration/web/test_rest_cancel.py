"""The job system cancels a job after invoicing through the REST API: DELETE on the invoice."""

from __future__ import annotations

import httpx

from tests.integration.web.conftest import Tenant
from tests.integration.web.test_rest_api import INVOICE, auth


async def test_deleting_an_invoice_cancels_it_keeping_the_record_and_twice_changes_nothing(
    client: httpx.AsyncClient, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, other = tenants
    created = await client.put("/api/v1/invoice/J-2001", json=INVOICE, headers=auth(hollis))

    cancelled = await client.delete("/api/v1/invoice/J-2001", headers=auth(hollis))
    again = await client.delete("/api/v1/invoice/J-2001", headers=auth(hollis))
    unknown = await client.delete("/api/v1/invoice/J-NONE", headers=auth(hollis))
    elsewhere = await client.delete("/api/v1/invoice/J-2001", headers=auth(other))
    a_customer = await client.delete("/api/v1/customer/C-HOLLIS", headers=auth(hollis))

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["result"] == "updated"
    assert cancelled.json()["version"] != created.json()["version"]
    assert again.json()["result"] == "unchanged"
    assert unknown.status_code == 404
    assert elsewhere.status_code == 404  # another company's key sees none of it
    assert a_customer.status_code == 405
