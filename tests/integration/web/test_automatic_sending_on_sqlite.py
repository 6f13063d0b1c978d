"""On SQLite there is no worker: `ledgerlink serve` sends for automatic connections from its own process,
on their interval and soon after records arrive, as the workers do on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.services.access import create_api_key
from ledgerlink.services.demo.fleet import Books, connected_company
from ledgerlink.services.operations import inline_schedule
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import create_app

SECRET = "inline sending"


@pytest.fixture
def sage(monkeypatch: pytest.MonkeyPatch) -> Iterator[BackgroundServer]:
    server = BackgroundServer(sandbox_app("sage", time_scale=10.0)).start()
    monkeypatch.setenv("LEDGERLINK_SAGE_SANDBOX_URL", server.url)
    yield server
    server.stop()


async def until(done: Callable[[], bool], *, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_serve_sends_on_schedule_and_soon_after_records_arrive(
    sage: BackgroundServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inline_schedule, "DEBOUNCE_SECONDS", 0.5)
    settings = Settings(data_dir=tmp_path, secret_key=SECRET)
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    connectors = ConnectorFactory(store=store, settings=settings, box=SecretBox(SECRET))
    connection, waiting = await connected_company(
        connectors,
        package="sage",
        name="Inline",
        books=Books(invoices=3, customers=2),
        seed=4,
        send_mode="automatic",
    )
    key = create_api_key(store, connection.company_id, name="jobs").plain

    def sent() -> int:
        with store.unit_of_work() as uow:
            return uow.outbox(connection).counts()[EntryState.SENT]

    app = create_app(store, settings, connectors, inline_every=0.2)
    async with app.router.lifespan_context(app):
        await until(lambda: sent() == waiting, what="the scheduled send")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            put = await client.put(
                "/api/v1/customer/C-LATE",
                json={"first_name": "Lou", "last_name": "Late"},
                headers={"Authorization": f"Bearer {key}"},
            )
        assert put.status_code == 201, put.text
        await until(lambda: sent() == waiting + 1, what="the send the new customer asked for")
    store.close()
