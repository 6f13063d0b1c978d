"""Several calls' outcomes kept in one transaction: still exactly once, and never held under a slow pace.

The sender writes what the package answered a group of calls at a time while the package answers fast.
Every entry of a group was marked on its way with its key before its request left, so a process that
dies between the package's answer and the write leaves entries the next send settles, never a record
sent twice; a stop leaves what was marked ahead and never sent waiting, with nothing tried for it.
Each holds on SQLite and on PostgreSQL, with PostgreSQL's writes on the event loop (a small group's)
and from threads of their own (a large group's).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.errors import PackageUnavailable
from ledgerlink.services.sending import engine
from ledgerlink.store import Store
from ledgerlink.store.outbox import OutboxRepository
from tests.integration.services.conftest import World
from tests.integration.services.test_sending import customer, invoice, send

CUSTOMERS = 60  # six calls of ten: the fake package takes ten contacts a call


class Killed(BaseException):
    """The process dying: nothing after it runs, not even the sender's own error handling."""


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres, writes from threads", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Each database, and PostgreSQL once more with every write from a thread, as a large one goes."""
    database, _, threads = str(request.param).partition(", ")
    if threads:
        monkeypatch.setattr(engine, "WRITE_BESIDE_FROM", 0)
    store: Store = request.getfixturevalue(f"{database}_store")
    return store


def entries_by_state(world: World) -> dict[EntryState, int]:
    with world.store.unit_of_work() as uow:
        return OutboxRepository(uow.session, world.connection.id, world.company_id).counts()


def feed_customers(world: World) -> None:
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(CUSTOMERS)))


async def test_a_send_killed_after_the_package_answered_and_before_the_outcomes_were_kept_sends_each_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed_customers(world)
    kept = engine.write_outcomes
    writes = 0

    def dies_after_the_first_group(*args: Any, **kwargs: Any) -> Any:
        nonlocal writes
        writes += 1
        if writes > 1 and args[2]:  # the package has answered these calls; their outcomes are lost
            raise Killed
        return kept(*args, **kwargs)

    monkeypatch.setattr(engine, "write_outcomes", dies_after_the_first_group)
    with pytest.raises(Killed):
        await send(world)
    monkeypatch.setattr(engine, "write_outcomes", kept)

    left = entries_by_state(world)
    await asyncio.sleep(4 * engine.GROUP_SECONDS)
    assert entries_by_state(world) == left  # nothing of the dead send still runs
    assert left[EntryState.PROCESSING] > 0  # on their way when the process died
    assert len(world.package.objects) > left[EntryState.SENT]  # the package has more than was kept

    settled = await send(world)

    assert settled.report.uncertain_resolved == left[EntryState.PROCESSING]
    assert settled.report.counts[EntryState.SENT] == CUSTOMERS
    assert len(world.package.objects) == CUSTOMERS  # none sent twice, none missing


async def test_under_a_slow_pace_each_calls_outcome_is_kept_before_the_next_call_leaves(
    world: World,
) -> None:
    feed_customers(world)
    seen: list[dict[EntryState, int]] = []

    async def slow() -> None:
        seen.append(entries_by_state(world))
        await asyncio.sleep(engine.GROUP_SECONDS + 0.05)

    world.package.on_the_way = slow

    sender = await send(world)

    assert sender.report.counts[EntryState.SENT] == CUSTOMERS
    concurrency = world.connector().limits.concurrency
    for started, counts in enumerate(seen):
        finished_before = max(0, started - concurrency + 1)  # calls already answered when this one left
        assert counts[EntryState.SENT] >= 10 * finished_before
        assert counts[EntryState.PROCESSING] <= 10 * concurrency  # nothing marked far ahead


async def test_a_tier_starts_marking_as_many_calls_ahead_as_the_tier_before_ended_with(
    world: World,
) -> None:
    """Against a package answering fast, the invoices do not start again from one call a commit."""
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(200)))
    world.feed(*(invoice(f"INV{n:03}", f"C{n:03}", "100.00") for n in range(200)))
    on_their_way_at_the_first_invoice: list[int] = []

    async def note_the_first_invoice_call() -> None:
        if len(world.package.objects) == 200 and not on_their_way_at_the_first_invoice:
            on_their_way_at_the_first_invoice.append(entries_by_state(world)[EntryState.PROCESSING])

    world.package.on_the_way = note_the_first_invoice_call

    sender = await send(world)

    assert sender.report.counts[EntryState.SENT] == 400
    concurrency = world.connector().limits.concurrency
    # a call at a time would be one batch of ten a worker; the customers' last groups held more
    assert on_their_way_at_the_first_invoice[0] > 10 * concurrency


async def test_a_stop_leaves_what_was_marked_ahead_and_never_sent_waiting_with_nothing_tried(
    world: World,
) -> None:
    feed_customers(world)
    calls = 0

    async def down_from_the_fourth_call() -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            world.package.raise_next.append(PackageUnavailable("the package is down"))

    world.package.on_the_way = down_from_the_fourth_call

    stopped = await send(world)

    assert "unavailable" in stopped.report.stopped
    counts = stopped.report.counts
    assert counts[EntryState.PROCESSING] == counts[EntryState.UNCERTAIN] == counts[EntryState.FAILED] == 0
    assert counts[EntryState.SENT] == len(world.package.objects) < CUSTOMERS
    with world.store.unit_of_work() as uow:
        outbox = OutboxRepository(uow.session, world.connection.id, world.company_id)
        waiting = outbox.in_states([EntryState.WAITING])
        tried = [entry for entry in waiting if outbox.attempts(entry.id)]
    assert len(waiting) == CUSTOMERS - counts[EntryState.SENT]
    assert len(tried) == 10  # only the batch the package refused to take; those marked ahead went nowhere

    world.package.on_the_way = None
    finished = await send(world)

    assert finished.report.counts[EntryState.SENT] == CUSTOMERS
    assert len(world.package.objects) == CUSTOMERS


async def test_a_cancelled_send_leaves_only_the_requests_in_flight_uncertain(world: World) -> None:
    world.feed(*(customer(f"C{n:03}", last_name=f"Smith {n}") for n in range(200)))
    calls = 0
    hanging = 0
    forever = asyncio.Event()

    async def hangs_from_the_sixth_call() -> None:
        nonlocal calls, hanging
        calls += 1
        if calls >= 6:
            hanging += 1
            await forever.wait()

    world.package.on_the_way = hangs_from_the_sixth_call
    sending = asyncio.create_task(send(world))
    while not hanging:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # the other worker reaches its next call too, if it has one
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending

    counts = entries_by_state(world)
    assert counts[EntryState.SENT] == len(world.package.objects) == 50
    assert counts[EntryState.PROCESSING] == 10 * hanging  # only what was on its way when cancelled
    assert counts[EntryState.WAITING] == 200 - 50 - 10 * hanging  # marked ahead, never sent

    world.package.on_the_way = None
    finished = await send(world)

    assert finished.report.counts[EntryState.SENT] == 200
    assert len(world.package.objects) == 200
