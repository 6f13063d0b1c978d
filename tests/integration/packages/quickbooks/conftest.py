from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette

from ledgerlink.packages.connection import ConnectionContext, PackageSettings
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.quickbooks import QuickBooksConnector
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.sandbox.quickbooks.app import QuickBooksSandbox, QuickBooksSandboxConfig, create_app
from tests.support.quickbooks_schema import SchemaCheckingTransport, xsd_dir

BASE = "http://qbo.test"


@dataclass
class StaticTokens:
    token: str
    refreshes: list[str] = field(default_factory=list)

    async def access_token(self) -> str:
        return self.token

    async def refresh(self, stale_access_token: str) -> str:
        self.refreshes.append(stale_access_token)
        return self.token


@pytest.fixture
def config() -> QuickBooksSandboxConfig:
    return QuickBooksSandboxConfig().without_limits()


@pytest.fixture
def app(config: QuickBooksSandboxConfig) -> Starlette:
    return create_app(config)


@pytest.fixture
def sandbox(app: Starlette) -> QuickBooksSandbox:
    result: QuickBooksSandbox = app.state.sandbox
    return result


@pytest.fixture
def transport(app: Starlette) -> AsyncIterator[SchemaCheckingTransport]:
    assert xsd_dir().is_dir(), (
        f"QuickBooks schema not at {xsd_dir()}: set LEDGERLINK_SHARED_DIR to the folder holding specs/"
    )
    checking = SchemaCheckingTransport(in_process_transport(app))
    yield checking
    assert not checking.failures, "requests QuickBooks' schema or rules refuse:\n" + "\n".join(
        checking.failures
    )


@pytest.fixture
async def realm(sandbox: QuickBooksSandbox) -> str:
    return sandbox.seed({"name": "Hartley Heating Ltd"})


@pytest.fixture
async def connector(
    app: Starlette, sandbox: QuickBooksSandbox, realm: str, transport: SchemaCheckingTransport
) -> AsyncIterator[QuickBooksConnector]:
    from ledgerlink.sandbox.kit import Grant

    token = str(sandbox.oauth.issue_tokens(Grant("ledgerlink", "user", (realm,)))["access_token"])
    settings = PackageSettings(
        api_url=f"{BASE}/v3/company",
        auth_url=f"{BASE}/connect/oauth2",
        token_url=f"{BASE}/oauth2/v1/tokens/bearer",
    )

    async def no_wait(seconds: float) -> None:
        return None

    context = ConnectionContext(
        business_id=realm,
        tokens=StaticTokens(token),
        settings=settings,
        pacer=UnlimitedPacer(),
        transport=transport,
        sleep=no_wait,
    )
    connector = QuickBooksConnector(context)
    yield connector
    await connector.aclose()
