"""Eight worker processes refreshing one connection's token at the same moment: exactly one refresh."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from procrastinate import App
from procrastinate.testing import InMemoryConnector
from sqlalchemy import update

from ledgerlink.services.demo.fleet import Books, connected_company
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.scheduling import due_refreshes
from ledgerlink.services.operations.tokens import StoredTokens, open_tokens
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connection_tables import ConnectionRow
from ledgerlink.store.connections import ConnectionRepository
from ledgerlink.worker.app import WorkerEnv, refresh_tokens
from tests.integration.worker.conftest import Fleet

pytestmark = pytest.mark.postgres

SMALL = Books(invoices=2, customers=2)

PRELOAD = [
    "ledgerlink.services.operations.connectors",
    "ledgerlink.services.operations.tokens",
    "ledgerlink.store",
]


def refresh_once(
    url: str, secret: str, package: str, sandbox_url: str, ids: tuple[int, int], start: Any, results: Any
) -> None:
    """One worker's refresh with the token it read beforehand, started with all the others at once."""
    os.environ[f"LEDGERLINK_{package.upper()}_SANDBOX_URL"] = sandbox_url
    company_id, connection_id = ids
    store = Store.open(url, upgrade=False)
    connectors = ConnectorFactory.from_settings(store, Settings(database_url=url, secret_key=secret))
    with store.unit_of_work() as uow:
        sealed, _ = ConnectionRepository(uow.session, company_id).sealed_tokens(connection_id)
    stale = open_tokens(connectors.box, sealed).access_token
    tokens = StoredTokens(
        store,
        company_id=company_id,
        connection_id=connection_id,
        box=connectors.box,
        auth=connectors.auth(package, sandbox=True),
    )
    start.wait()
    fresh = asyncio.run(tokens.refresh(stale))
    results.put((fresh, tokens.refreshes))
    store.close()


def sandbox_refreshes(fleet: Fleet, package: str) -> int:
    reply = httpx.get(f"{fleet.servers[package].url}/_sandbox/state", timeout=10)
    return int(reply.json()["refreshes"])


@pytest.mark.slow
@pytest.mark.parametrize("package", ["quickbooks", "sage", "xero"])
async def test_eight_workers_refreshing_at_once_make_exactly_one_refresh(
    package: str, fleet_factory: Callable[..., Fleet]
) -> None:
    fleet = fleet_factory((package,))
    connection, _ = await connected_company(
        fleet.connectors, package=package, name="Busy", books=SMALL, seed=6
    )
    before = sandbox_refreshes(fleet, package)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        PRELOAD
    )  # eight interpreters importing everything would take longer than the test
    start, results = context.Barrier(8), context.Queue()
    arguments = (
        fleet.settings.resolved_database_url,
        fleet.settings.secret_key,
        package,
        fleet.servers[package].url,
        (connection.company_id, connection.id),
        start,
        results,
    )
    workers = [context.Process(target=refresh_once, args=arguments) for _ in range(8)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0

    assert sandbox_refreshes(fleet, package) == before + 1
    assert len({token for token, _ in answers}) == 1  # every worker ends up with the one new token
    assert sorted(count for _, count in answers) == [0] * 7 + [1]


async def test_an_idle_connection_has_its_token_renewed_once_before_it_lapses(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("xero",))
    connection, _ = await connected_company(
        fleet.connectors, package="xero", name="Quiet", books=SMALL, seed=7
    )
    assert due_refreshes(fleet.store) == []
    long_ago = datetime.now(UTC) - timedelta(days=26)
    with fleet.store.unit_of_work() as uow:
        uow.session.execute(
            update(ConnectionRow).where(ConnectionRow.id == connection.id).values(connected_at=long_ago)
        )
        uow.commit()
    assert [due.connection_id for due in due_refreshes(fleet.store)] == [connection.id]
    before = sandbox_refreshes(fleet, "xero")

    env = WorkerEnv(store=fleet.store, settings=fleet.settings, connectors=fleet.connectors)
    app = App(connector=InMemoryConnector())
    first = await refresh_tokens(env, app, connection.id, connection.company_id, 0)
    second = await refresh_tokens(env, app, connection.id, connection.company_id, 0)

    assert (first, second) == ("refreshed", "fresh enough")
    assert sandbox_refreshes(fleet, "xero") == before + 1
    assert due_refreshes(fleet.store) == []
