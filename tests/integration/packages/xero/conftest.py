"""A Xero sandbox in process and a connector bound to one of its organisations.

Every request the connector sends passes through a transport that holds its body against Xero's
published spec; a test that sent a body the spec refuses fails at teardown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest

from ledgerlink.packages.connection import ConnectionContext, PackageSettings
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.xero import XeroConnector
from ledgerlink.sandbox.kit import ManualClock, in_process_transport
from ledgerlink.sandbox.kit.oauth import Grant
from ledgerlink.sandbox.xero.app import XeroSandbox, XeroSandboxConfig, create_app
from ledgerlink.sandbox.xero.models import Organisation
from tests.support.xero_spec import SpecCheckingTransport, spec_path

SCOPES = "offline_access accounting.contacts accounting.settings accounting.invoices accounting.payments"


class AdminTokens:
    """A token source holding a token the sandbox issued without the consent page."""

    def __init__(self, sandbox: XeroSandbox, tenant: str) -> None:
        self.sandbox = sandbox
        self.tenant = tenant
        self.refreshes = 0
        self.token = self._issue()

    def _issue(self) -> str:
        grant = Grant(client_id="ledgerlink", user="tests", business_ids=(self.tenant,), scope=SCOPES)
        return str(self.sandbox.oauth.issue_tokens(grant)["access_token"])

    async def access_token(self) -> str:
        return self.token

    async def refresh(self, stale_access_token: str) -> str:
        self.refreshes += 1
        self.token = self._issue()
        return self.token


@dataclass
class XeroWorld:
    sandbox: XeroSandbox
    organisation: Organisation
    connector: XeroConnector
    transport: SpecCheckingTransport
    clock: ManualClock
    slept: list[float]
    tokens: AdminTokens


def make_world(config: XeroSandboxConfig | None = None) -> XeroWorld:
    clock = ManualClock(1_780_000_000.0)
    app = create_app(replace(config or XeroSandboxConfig(), clock=clock))
    sandbox: XeroSandbox = app.state.sandbox
    tenant = sandbox.seed({"name": "Hartley Heating Ltd"})
    transport = SpecCheckingTransport(in_process_transport(app))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # waiting moves the sandbox's clock, not the test's
        slept.append(seconds)
        clock.advance(seconds)

    tokens = AdminTokens(sandbox, tenant)
    context = ConnectionContext(
        business_id=tenant,
        tokens=tokens,
        settings=PackageSettings(
            api_url="http://xero.sandbox/api.xro/2.0",
            auth_url="http://xero.sandbox/identity/connect/authorize",
            token_url="http://xero.sandbox/connect/token",
        ),
        pacer=UnlimitedPacer(),
        transport=transport,
        sleep=sleep,
    )
    return XeroWorld(
        sandbox, sandbox.organisation(tenant), XeroConnector(context), transport, clock, slept, tokens
    )


@pytest.fixture
async def world() -> AsyncIterator[XeroWorld]:
    made = make_world()
    yield made
    await made.connector.aclose()
    assert_spec_clean(made)


def assert_spec_clean(made: XeroWorld) -> None:
    if spec_path().is_file():
        assert made.transport.violations == [], "the connector sent bodies Xero's spec refuses"
