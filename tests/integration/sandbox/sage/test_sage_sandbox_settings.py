"""The Sage sandbox's own settings and seeding: what a test may ask of it, and what it refuses whole."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.sandbox.sage.app import SageSandboxConfig, create_app


async def _contacts(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    reply = await api.get("/contacts", params={"attributes": "all"})
    items: list[dict[str, Any]] = reply.json()["$items"]
    return items


async def test_seeding_a_contact_with_an_invalid_vat_number_is_refused_whole(admin: httpx.AsyncClient):
    reply = await admin.post(
        "/_sandbox/seed",
        json={
            "name": "Half Made Ltd",
            "contacts": [
                {"name": "Good Customer", "reference": "GOOD"},
                {"name": "Bad VAT", "reference": "BAD", "tax_number": "GB123"},
            ],
        },
    )

    assert reply.status_code == 422, reply.text
    assert "contacts.1.tax_number" in reply.json()["error"]
    state = (await admin.get("/_sandbox/state")).json()
    assert state["businesses"] == []  # nothing half made: neither the business nor its first contact


@pytest.mark.parametrize(
    "payload",
    [
        {"tier": "gold"},
        {"accounts_start_date": "someday"},
        {"contacts": [{"reference": "NONAME"}]},
        {"contacts": ["not a contact"]},
        {"contacts": [{"name": "Twin", "reference": "TWIN"}, {"name": "Twin", "reference": "TWIN"}]},
    ],
)
async def test_a_seed_sage_would_refuse_answers_4xx_and_keeps_nothing(
    admin: httpx.AsyncClient, payload: dict[str, Any]
):
    reply = await admin.post("/_sandbox/seed", json={"name": "Refused Ltd", **payload})

    assert 400 <= reply.status_code < 500, reply.text
    assert (await admin.get("/_sandbox/state")).json()["businesses"] == []


CONTACT = {"contact": {"name": "Twice Ltd", "contact_type_ids": ["CUSTOMER"], "idempotency_id": "a" * 32}}


async def test_a_repeated_idempotency_id_is_answered_with_the_first_record(api: httpx.AsyncClient):
    first = await api.post("/contacts", json=CONTACT)
    again = await api.post("/contacts", json=CONTACT)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert [c["name"] for c in await _contacts(api)].count("Twice Ltd") == 1


async def test_a_sandbox_set_to_ignore_idempotency_id_creates_again_as_sage_might():
    app = create_app(SageSandboxConfig(ignore_idempotency_id=True))
    async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sage.test") as admin:
        business_id = (await admin.post("/_sandbox/seed", json={"name": "Keyless Ltd"})).json()["id"]
        token = (await admin.post("/_sandbox/token", json={"business_id": business_id})).json()[
            "access_token"
        ]
        async with httpx.AsyncClient(
            transport=in_process_transport(app),
            base_url="http://sage.test/v3.1",
            headers={"Authorization": f"Bearer {token}", "X-Business": business_id},
        ) as api:
            first = await api.post("/contacts", json=CONTACT)
            again = await api.post("/contacts", json=CONTACT)
            names = [c["name"] for c in await _contacts(api)]

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] != first.json()["id"]
    assert names.count("Twice Ltd") == 2


def test_the_setting_is_read_from_the_environment_too():
    config = SageSandboxConfig.from_env({"LEDGERLINK_SAGE_SANDBOX_IGNORE_IDEMPOTENCY_ID": "true"})
    assert config.ignore_idempotency_id is True
