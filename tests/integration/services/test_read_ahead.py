"""A send reads each next chunk of the outbox while it drafts the one before, and drafts in a thread
of its own while the batches drafted before are sent: every record still goes once, and whether the
send ends, is stopped or is cancelled, nothing it started is still reading or drafting afterwards.

Each holds on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from typing import Any

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Supplier
from ledgerlink.errors import PackageUnavailable
from ledgerlink.services.sending import chunks, engine
from ledgerlink.services.sending.engine import Sender
from ledgerlink.store import Store
from tests.integration.services.conftest import World
from tests.integration.services.test_sending import customer, send

CUSTOMERS = 60


def readers() -> list[str]:
    return [thread.name for thread in threading.enumerate() if "read-ahead" in thread.name]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    store: Store = request.getfixturevalue(f"{request.param}_store")
    return store


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 7)  # nine chunks, each read while the one before is drafted


async def test_every_record_read_a_chunk_ahead_goes_once_and_no_reader_is_left(world: World) -> None:
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(CUSTOMERS)))

    sender = await send(world)

    assert {state: n for state, n in sender.report.counts.items() if n} == {EntryState.SENT: CUSTOMERS}
    assert sorted(draft.source_id for draft in world.package.objects.values()) == [
        f"C{n:03}" for n in range(CUSTOMERS)
    ]
    assert readers() == []


async def test_a_send_stopped_while_a_chunk_is_read_ahead_ends_only_once_the_read_has(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing of a send still runs once it has ended: a worker process goes on to the next company's
    send, or closes the store, the moment it does."""
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(CUSTOMERS)))
    world.package.raise_next.append(PackageUnavailable("the package is down"))
    reads_ended: list[float] = []
    read = chunks.ChunkDrafter._read

    def slow_read(drafter: chunks.ChunkDrafter, *args: Any) -> Any:
        time.sleep(0.2)  # a server slow to answer: the send is stopped while this read goes on
        try:
            return read(drafter, *args)
        finally:
            reads_ended.append(time.monotonic())

    monkeypatch.setattr(chunks.ChunkDrafter, "_read", slow_read)

    stopped = await send(world)
    ended = time.monotonic()

    assert "unavailable" in stopped.report.stopped
    assert stopped.report.counts[EntryState.WAITING] == CUSTOMERS
    assert len(reads_ended) >= 2  # the first chunk, and the one read ahead of it
    assert max(reads_ended) <= ended
    assert readers() == []


async def test_a_tiers_next_step_is_read_while_the_step_before_is_drafted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Customers and suppliers go in one tier: the suppliers' first chunk is read while the customers'
    last is drafted, not after it, and nothing reads past the end of a step."""
    world.feed(
        *(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(10)),
        *(Supplier(source_id=f"S{n:03}", name=f"Supplies {n}") for n in range(10)),
    )
    reads: list[tuple[str, int, str]] = []
    read = chunks.ChunkDrafter._read

    def noted_read(drafter: chunks.ChunkDrafter, kind: Any, step: Any, after: int) -> Any:
        reads.append((kind.value, after, threading.current_thread().name))
        return read(drafter, kind, step, after)

    monkeypatch.setattr(chunks.ChunkDrafter, "_read", noted_read)

    sender = await send(world)

    assert {state: n for state, n in sender.report.counts.items() if n} == {EntryState.SENT: 20}
    assert len(world.package.objects) == 20
    suppliers_first = [name for kind, after, name in reads if (kind, after) == ("supplier", 0)]
    assert len(suppliers_first) == 1
    assert "read-ahead" in suppliers_first[0]
    # seven, then three of each: the short second chunk ends its step, with no read after it
    assert [(kind, after > 0) for kind, after, _ in reads if kind in ("customer", "supplier")] == [
        ("customer", False),
        ("customer", True),
        ("supplier", False),
        ("supplier", True),
    ]


async def test_a_send_cancelled_while_a_chunk_is_drafted_ends_only_once_the_drafting_has(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process stopping cancels the send: it ends only once the chunk being drafted is
    drafted, and nothing more is drafted after it."""
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(CUSTOMERS)))
    drafting_started = threading.Event()
    drafted: list[float] = []
    draft = chunks.ChunkDrafter.next

    def slow_next(drafter: chunks.ChunkDrafter, *args: Any) -> Any:
        drafting_started.set()
        time.sleep(0.2)  # drafting a large chunk: the send is cancelled meanwhile
        try:
            return draft(drafter, *args)
        finally:
            drafted.append(time.monotonic())

    monkeypatch.setattr(chunks.ChunkDrafter, "next", slow_next)
    sender = Sender(world.store, connection=world.refreshed(), connector=world.connector())
    sending = asyncio.ensure_future(sender.run())
    while not drafting_started.is_set():
        await asyncio.sleep(0.01)

    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    ended = time.monotonic()
    count = len(drafted)
    await asyncio.sleep(0.5)

    assert drafted
    assert max(drafted) <= ended
    assert len(drafted) == count  # nothing drafted once the send had ended
    assert readers() == []


async def test_no_more_is_drafted_ahead_than_a_chunk_beyond_a_full_queue(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is drafted and not sent when a send's time slice ends is drafted again by its next run,
    so the drafting runs ahead of the package by the queue and one chunk, and no further."""
    monkeypatch.setattr(engine, "QUEUE_ENTRIES", 7)  # one chunk's batch fills it
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(CUSTOMERS)))
    package_answers = asyncio.Event()

    async def slow_package() -> None:
        await package_answers.wait()

    world.package.on_the_way = slow_package
    drafted: list[int] = []
    draft = chunks.ChunkDrafter.next

    def counted_next(drafter: chunks.ChunkDrafter, *args: Any) -> Any:
        found = draft(drafter, *args)
        if found is not None:
            drafted.append(len(found.items))
        return found

    monkeypatch.setattr(chunks.ChunkDrafter, "next", counted_next)
    sender = Sender(world.store, connection=world.refreshed(), connector=world.connector())
    sending = asyncio.ensure_future(sender.run())
    await asyncio.sleep(1.0)  # the package answers nothing meanwhile: the drafting comes to rest

    at_rest = len(drafted)
    package_answers.set()
    await sending

    # the two workers' calls on their way, a full queue, and one chunk waiting for room
    assert at_rest == 4
    assert sender.report.counts[EntryState.SENT] == CUSTOMERS
    assert len(world.package.objects) == CUSTOMERS


async def test_the_drafting_leaves_the_event_loops_threads_to_the_writes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process runs several sends on one event loop, whose threads the writes share. The
    drafting, which waits while its queue is full, has a thread of its own: in one of the loop's, with
    every one of them taken, the writes that empty the queue would wait for it for ever."""
    monkeypatch.setattr(engine, "QUEUE_ENTRIES", 7)
    monkeypatch.setattr(engine, "WRITE_BESIDE_FROM", 1)  # on a database server every write is beside
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(CUSTOMERS)))
    asyncio.get_running_loop().set_default_executor(
        concurrent.futures.ThreadPoolExecutor(max_workers=1)  # every thread the loop has, taken
    )

    sender = await asyncio.wait_for(send(world), timeout=30)

    assert sender.report.counts[EntryState.SENT] == CUSTOMERS
    assert len(world.package.objects) == CUSTOMERS
