from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from ledgerlink.sandbox.kit import ManualClock, in_process_transport
from ledgerlink.sandbox.quickbooks.app import QuickBooksSandbox, QuickBooksSandboxConfig, create_app


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_767_225_600.0)  # 2026-01-01T00:00:00Z


@pytest.fixture
def config() -> QuickBooksSandboxConfig:
    return QuickBooksSandboxConfig()


@pytest.fixture
def app(config: QuickBooksSandboxConfig, clock: ManualClock) -> Starlette:
    return create_app(replace(config, clock=clock))


@pytest.fixture
def sandbox(app: Starlette) -> QuickBooksSandbox:
    result: QuickBooksSandbox = app.state.sandbox
    return result


@pytest.fixture
async def admin(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://qbo.test") as client:
        yield client


@pytest.fixture
async def realm(admin: httpx.AsyncClient) -> str:
    return str((await admin.post("/_sandbox/seed", json={"name": "Hartley Heating Ltd"})).json()["id"])


@pytest.fixture
async def api(app: Starlette, admin: httpx.AsyncClient, realm: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a token for the seeded company, minorversion 75 on every call."""
    token = (await admin.post("/_sandbox/token", json={"business_id": realm})).json()["access_token"]
    async with httpx.AsyncClient(
        transport=in_process_transport(app),
        base_url=f"http://qbo.test/v3/company/{realm}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        params={"minorversion": "75"},
    ) as client:
        yield client
