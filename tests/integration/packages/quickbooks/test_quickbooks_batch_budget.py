"""QuickBooks' batch limit (40 batch calls a minute for a company) is paced by the budget every worker
shares: two connectors on one company, each sending as fast as it may, together stay under it."""

from __future__ import annotations

import asyncio
import time

import pytest

from ledgerlink.packages.connection import ConnectionContext, Exchange, PackageSettings
from ledgerlink.packages.quickbooks import QuickBooksConnector
from ledgerlink.sandbox.kit import Grant, in_process_transport
from ledgerlink.sandbox.quickbooks.app import QuickBooksSandbox, QuickBooksSandboxConfig, create_app
from ledgerlink.services.operations.shared_pacer import SharedPacer
from ledgerlink.store import Store
from tests.integration.packages.quickbooks.conftest import BASE, StaticTokens

pytestmark = pytest.mark.postgres

TIME_SCALE = 30.0  # a package minute lasts two seconds
BATCH_LIMIT = 40
EACH = 30  # batch calls per connector: together half as many again as a minute allows


async def test_two_connectors_on_one_company_together_stay_under_the_batch_limit(
    postgres_store: Store,
) -> None:
    app = create_app(QuickBooksSandboxConfig(time_scale=TIME_SCALE, batch_minute_limit=BATCH_LIMIT))
    sandbox: QuickBooksSandbox = app.state.sandbox
    realm = sandbox.seed({"name": "Hartley Heating Ltd"})
    token = str(sandbox.oauth.issue_tokens(Grant("ledgerlink", "user", (realm,)))["access_token"])
    settings = PackageSettings(
        api_url=f"{BASE}/v3/company",
        auth_url=f"{BASE}/connect/oauth2",
        token_url=f"{BASE}/oauth2/v1/tokens/bearer",
    )
    started = time.monotonic()
    batches: list[float] = []
    refused: list[Exchange] = []

    def observe(exchange: Exchange) -> None:
        if exchange.status == 429:
            refused.append(exchange)
        elif exchange.path == "/batch":
            batches.append(time.monotonic() - started)

    def connector() -> QuickBooksConnector:
        pacer = SharedPacer.for_connection(  # what each worker makes for the connection
            postgres_store,
            QuickBooksConnector.limits,
            package="quickbooks",
            connection_id=1,
            time_scale=TIME_SCALE,
        )
        context = ConnectionContext(
            business_id=realm,
            tokens=StaticTokens(token),
            settings=settings,
            pacer=pacer,
            transport=in_process_transport(app),
            observer=observe,
        )
        return QuickBooksConnector(context)

    async def send(worker: QuickBooksConnector, name: str) -> None:
        for number in range(EACH):
            operation = {"bId": "b1", "operation": "create", "Customer": {"DisplayName": f"{name} {number}"}}
            answers = await worker.client.batch([operation])
            assert "Customer" in answers["b1"], answers

    first, second = connector(), connector()
    try:
        await asyncio.gather(send(first, "First"), send(second, "Second"))
    finally:
        await first.aclose()
        await second.aclose()

    assert not refused, f"QuickBooks throttled {len(refused)} calls"
    assert len(batches) == 2 * EACH
    minute = 60.0 / TIME_SCALE
    busiest = max(sum(1 for t in batches if start <= t < start + minute) for start in batches)
    assert busiest <= BATCH_LIMIT
    assert sandbox.businesses()[0]["counts"]["Customer"] == 2 * EACH
