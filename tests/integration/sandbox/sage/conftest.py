from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from ledgerlink.sandbox.kit import ManualClock, in_process_transport
from ledgerlink.sandbox.sage.app import SageSandbox, SageSandboxConfig, create_app


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_767_225_600.0)  # 2026-01-01T00:00:00Z


@pytest.fixture
def config(clock: ManualClock) -> SageSandboxConfig:
    return SageSandboxConfig(clock=clock)


@pytest.fixture
def app(config: SageSandboxConfig) -> Starlette:
    return create_app(config)


@pytest.fixture
def sandbox(app: Starlette) -> SageSandbox:
    result: SageSandbox = app.state.sandbox
    return result


@pytest.fixture
async def admin(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sage.test") as client:
        yield client


@pytest.fixture
async def business_id(admin: httpx.AsyncClient) -> str:
    seeded = await admin.post(
        "/_sandbox/seed",
        json={
            "name": "Hollis Heating Ltd",
            "contacts": [
                {
                    "name": "Ada Lovelace",
                    "reference": "ADA01",
                    "email": "ada@example.com",
                    "type": "customer",
                },
                {"name": "Pipes R Us", "reference": "PIPES", "type": "supplier"},
            ],
        },
    )
    assert seeded.status_code == 201
    return str(seeded.json()["id"])


@pytest.fixture
async def api(app: Starlette, admin: httpx.AsyncClient, business_id: str) -> AsyncIterator[httpx.AsyncClient]:
    token = (await admin.post("/_sandbox/token", json={"business_id": business_id})).json()["access_token"]
    async with httpx.AsyncClient(
        transport=in_process_transport(app),
        base_url="http://sage.test/v3.1",
        headers={"Authorization": f"Bearer {token}", "X-Business": business_id},
    ) as client:
        yield client
