from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette

from ledgerlink.packages.connection import ConnectionContext
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.sage import SageAuth, SageConnector
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.sandbox.sage.app import SageSandbox, create_app
from tests.support.sage_sandbox import BASE, RefreshingTokens, Sleeps, sandbox_settings, seed, tokens_for
from tests.support.sage_spec import SpecCheckingTransport, spec_path


@pytest.fixture
def app() -> Starlette:
    return create_app()


@pytest.fixture
def sandbox(app: Starlette) -> SageSandbox:
    result: SageSandbox = app.state.sandbox
    return result


@pytest.fixture
def spec_transport(app: Starlette) -> Iterator[httpx.AsyncBaseTransport]:
    """The in-process sandbox, with every request the connector sends held against Sage's spec."""
    if not spec_path().is_file():
        yield in_process_transport(app)
        return
    checking = SpecCheckingTransport(in_process_transport(app))
    yield checking
    assert checking.checked, "no request reached the spec check"
    assert not checking.failures, "requests Sage's spec refuses:\n" + "\n".join(checking.failures)


@pytest.fixture
async def admin(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=in_process_transport(app), base_url=BASE) as client:
        yield client


@pytest.fixture
async def business_id(admin: httpx.AsyncClient) -> str:
    return await seed(
        admin,
        contacts=[
            {"name": "Ada Lovelace", "reference": "ADA01", "email": "ada@example.com", "type": "customer"},
            {"name": "Pipes R Us", "reference": "PIPES", "type": "supplier"},
        ],
    )


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def tokens(admin: httpx.AsyncClient, business_id: str, app: Starlette) -> RefreshingTokens:
    auth = SageAuth(sandbox_settings(), transport=in_process_transport(app))
    return RefreshingTokens(auth, await tokens_for(admin, business_id))


@pytest.fixture
async def connector(
    business_id: str, tokens: RefreshingTokens, spec_transport: httpx.AsyncBaseTransport, sleeps: Sleeps
) -> AsyncIterator[SageConnector]:
    context = ConnectionContext(
        business_id=business_id,
        tokens=tokens,
        settings=sandbox_settings(),
        pacer=UnlimitedPacer(),
        transport=spec_transport,
        sleep=sleeps,
    )
    result = SageConnector(context)
    yield result
    await result.aclose()
