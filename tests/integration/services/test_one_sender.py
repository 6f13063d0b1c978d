"""One sender per connection, whoever starts it: a second start while one runs is answered with the
running one, and never takes the running one's requests on their way for a crashed send's.

The first send is held mid-request (its connector waits on an event), so the second always starts
while the first is on its way; a sender in another process is held by waiting for it to say so.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.errors import SendInProgress
from ledgerlink.services.sending.engine import Sender
from ledgerlink.store import Store
from tests.conftest import scratch_database
from tests.integration.services.conftest import World
from tests.integration.services.test_sending import customer, invoice


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The world's store on each database: the lock is the database's (or its file's) on each."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
        yield opened
        opened.close()
        return
    with scratch_database("one_sender") as url:
        opened = Store.open(url)
        yield opened
        opened.close()


def states(world: World) -> dict[EntryState, int]:
    with world.store.unit_of_work() as uow:
        return uow.outbox(world.refreshed()).counts()


async def test_a_second_send_answers_with_the_running_one_and_leaves_its_requests_alone(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-1", "C1", "10.00"))
    on_its_way, go_on = asyncio.Event(), asyncio.Event()

    async def held() -> None:
        on_its_way.set()
        await go_on.wait()

    world.package.on_the_way = held
    first = Sender(
        world.store, connection=world.refreshed(), connector=world.connector(), started_by="a worker"
    )
    running = asyncio.create_task(first.run())
    await on_its_way.wait()

    second = Sender(
        world.store, connection=world.refreshed(), connector=world.connector(), started_by="the web app"
    )
    with pytest.raises(SendInProgress) as refused:
        await second.run()

    assert refused.value.started_by.startswith("a worker (process ")
    assert "already running, started by a worker" in str(refused.value)
    assert states(world)[EntryState.PROCESSING] == 1  # the first's customer, still on its way
    assert states(world)[EntryState.UNCERTAIN] == 0
    world.package.on_the_way = None
    go_on.set()
    report = await running
    assert report.counts[EntryState.SENT] == 2
    assert world.package.calls == 2  # the customer and the invoice, each once

    again = await Sender(world.store, connection=world.refreshed(), connector=world.connector()).run()
    assert again.counts[EntryState.SENT] == 2  # the lock is let go when a send ends


HOLDER = """
import sys, time
from ledgerlink.store import Store
store = Store.open(sys.argv[1])
with store.send_locks().hold(int(sys.argv[2]), "`ledgerlink send`"):
    print("holding", flush=True)
    time.sleep(120)
"""


async def test_a_send_in_another_process_is_named_and_a_killed_one_lets_go(world: World) -> None:
    world.feed(customer("C2"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, world.store.url, str(world.connection.id)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(SendInProgress, match=r"started by `ledgerlink send` \(process \d+"):
            await Sender(world.store, connection=world.refreshed(), connector=world.connector()).run()
        assert world.package.calls == 0
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)

    report = await Sender(world.store, connection=world.refreshed(), connector=world.connector()).run()

    assert report.counts[EntryState.SENT] == 1
