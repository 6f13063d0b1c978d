from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from ledgerlink.sandbox.kit import ManualClock, in_process_transport
from ledgerlink.sandbox.xero.app import XeroSandbox, XeroSandboxConfig, create_app


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_767_225_600.0)  # 2026-01-01T00:00:00Z


@pytest.fixture
def config() -> XeroSandboxConfig:
    return XeroSandboxConfig()


@pytest.fixture
def app(config: XeroSandboxConfig, clock: ManualClock) -> Starlette:
    return create_app(replace(config, clock=clock))


@pytest.fixture
def sandbox(app: Starlette) -> XeroSandbox:
    result: XeroSandbox = app.state.sandbox
    return result


@pytest.fixture
async def admin(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = in_process_transport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://xero.test") as client:
        yield client


@pytest.fixture
async def tenant(admin: httpx.AsyncClient) -> str:
    seeded = await admin.post(
        "/_sandbox/seed",
        json={
            "name": "Hartley Heating Ltd",
            "contacts": [{"Name": "Ada Lovelace", "ContactNumber": "ADA01"}],
        },
    )
    return str(seeded.json()["id"])


@pytest.fixture
async def api(app: Starlette, admin: httpx.AsyncClient, tenant: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a token for the seeded organisation and its tenant id on every call."""
    token = (await admin.post("/_sandbox/token", json={"business_id": tenant})).json()["access_token"]
    async with httpx.AsyncClient(
        transport=in_process_transport(app),
        base_url="http://xero.test/api.xro/2.0",
        headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant, "Accept": "application/json"},
    ) as client:
        yield client
