"""Stalled-job recovery raced by several workers: one job back on the queue, none failed.

Every worker looks for the jobs of stopped workers; two looking at the same moment both find the same
job. The race is made certain, not likely: each recoverer waits at a barrier after reading the list of
stalled jobs, so all of them act on the same list.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import procrastinate
import pytest
from procrastinate.jobs import Job
from sqlalchemy import text

from ledgerlink.services.operations.scheduling import SEND_TASK
from ledgerlink.store import Store
from ledgerlink.store.job_queue import libpq_url
from ledgerlink.worker.app import defer, recover_stalled

pytestmark = pytest.mark.postgres


@pytest.fixture
async def queue(pg_url: str) -> AsyncIterator[tuple[procrastinate.App, Store]]:
    store = Store.open(pg_url)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(pg_url), min_size=1, max_size=4)
    )
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        yield app, store
    store.close()


async def a_stopped_worker_holding(app: procrastinate.App, store: Store) -> int:
    """A send job taken by a worker that then stopped beating (killed): its id."""
    job_id = await defer(app, SEND_TASK, connection_id=7, company_id=3, reason="Send pressed")
    assert job_id is not None
    worker = await app.job_manager.register_worker()
    taken = await app.job_manager.fetch_job(queues=None, worker_id=worker)
    assert taken is not None
    assert taken.id == job_id
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE procrastinate_workers SET last_heartbeat = NOW() - INTERVAL '1 hour' WHERE id = :id"
            ),
            {"id": worker},
        )
    return job_id


def at_one_barrier(app: procrastinate.App, racers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each recoverer reads the stalled jobs, then waits until every other one has read them too."""
    barrier = asyncio.Barrier(racers)
    read = app.job_manager.get_stalled_jobs

    async def read_then_wait(**options: Any) -> Iterable[Job]:
        found = list(await read(**options))
        await barrier.wait()
        return found

    monkeypatch.setattr(app.job_manager, "get_stalled_jobs", read_then_wait)


def statuses(store: Store) -> list[tuple[int, str]]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM procrastinate_jobs ORDER BY id"))
        return [(row.id, row.status) for row in rows]


@pytest.mark.parametrize("racers", [2, 5])
async def test_workers_recovering_the_same_job_at_once_put_it_back_once(
    queue: tuple[procrastinate.App, Store], racers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store = queue
    job_id = await a_stopped_worker_holding(app, store)
    at_one_barrier(app, racers, monkeypatch)

    recovered = await asyncio.gather(
        *(recover_stalled(app, store, seconds_since_heartbeat=30) for _ in range(racers))
    )

    assert sorted(recovered) == [0] * (racers - 1) + [1]
    assert statuses(store) == [(job_id, "todo")]  # waiting to run again, not failed


async def test_a_recovered_job_taken_up_again_is_left_to_its_new_worker(
    queue: tuple[procrastinate.App, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store = queue
    job_id = await a_stopped_worker_holding(app, store)
    stale = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=30))
    assert await recover_stalled(app, store, seconds_since_heartbeat=30) == 1
    alive = await app.job_manager.register_worker()
    assert await app.job_manager.fetch_job(queues=None, worker_id=alive) is not None

    async def the_stale_list(**options: Any) -> Iterable[Job]:  # a recoverer that read the list before
        return stale

    monkeypatch.setattr(app.job_manager, "get_stalled_jobs", the_stale_list)
    assert await recover_stalled(app, store, seconds_since_heartbeat=30) == 0

    assert statuses(store) == [(job_id, "doing")]  # still running on the live worker


async def test_a_stopped_workers_send_gives_way_to_the_send_already_waiting(
    queue: tuple[procrastinate.App, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store = queue
    stalled = await a_stopped_worker_holding(app, store)
    waiting = await defer(app, SEND_TASK, connection_id=7, company_id=3, reason="records arrived")
    at_one_barrier(app, 2, monkeypatch)

    await asyncio.gather(*(recover_stalled(app, store, seconds_since_heartbeat=30) for _ in range(2)))

    assert statuses(store) == [(stalled, "cancelled"), (waiting, "todo")]


async def test_a_worker_never_takes_back_the_jobs_it_runs_itself(
    queue: tuple[procrastinate.App, Store],
) -> None:
    app, store = queue
    job_id = await a_stopped_worker_holding(app, store)  # its heartbeat late: a busy machine, say

    recovered = await recover_stalled(app, store, seconds_since_heartbeat=30, running_here={job_id})

    assert recovered == 0
    assert statuses(store) == [(job_id, "doing")]


async def test_a_worker_whose_heartbeat_comes_back_keeps_its_job(
    queue: tuple[procrastinate.App, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store = queue
    job_id = await a_stopped_worker_holding(app, store)
    stale = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=30))
    [job] = stale
    assert job.worker_id is not None
    await app.job_manager.update_heartbeat(job.worker_id)  # it was slow, not dead

    async def the_list_read_before(**options: Any) -> Iterable[Job]:
        return stale

    monkeypatch.setattr(app.job_manager, "get_stalled_jobs", the_list_read_before)
    assert await recover_stalled(app, store, seconds_since_heartbeat=30) == 0

    assert statuses(store) == [(job_id, "doing")]
