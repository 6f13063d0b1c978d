"""Starting a worker process: its store, its connectors with shared pacers, the queue's schema, the loop.

Any number of these run against one PostgreSQL database, on any number of machines. Each beats a
heartbeat into procrastinate's table; each also looks, now and then, for jobs whose worker stopped
beating (killed, or its machine lost) and puts them back on the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import procrastinate

from ledgerlink.errors import ConfigurationError
from ledgerlink.services.operations.scheduling import apply_queue_schema, queue_conninfo, uses_queue
from ledgerlink.services.operations.shared_pacer import shared_pacers
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.worker.app import WorkerEnv, WorkerRuntime, build_app, recover_stalled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 4  # jobs in flight in this process: different connections, interleaved
    slice_seconds: float = 30.0
    time_scale: float = 1.0  # >1 for sandboxes whose limits' windows run faster
    heartbeat_seconds: float = 10.0
    stalled_after_seconds: float = 30.0  # no heartbeat for this long: the worker is taken for dead
    wait: bool = True  # False: stop once the queue is empty (tests, benchmarks)
    poll_seconds: float = 1.0  # a send's next slice is queued while its lock is still held: look again soon
    name: str | None = None


async def _watch_for_stalled(app: procrastinate.App, env: WorkerEnv, options: WorkerOptions) -> None:
    while True:
        await asyncio.sleep(max(options.stalled_after_seconds / 2, 0.5))
        try:
            await recover_stalled(
                app,
                env.store,
                seconds_since_heartbeat=options.stalled_after_seconds,
                running_here=env.running,
            )
        except Exception:  # a lost database connection: the next look tries again
            log.exception("could not look for stalled jobs")


async def run_worker(settings: Settings, options: WorkerOptions | None = None) -> None:
    """Run one worker until stopped (SIGINT/SIGTERM), or until the queue is empty if `wait` is off."""
    options = options or WorkerOptions()
    store = Store.from_settings(settings)
    if not uses_queue(store):
        store.close()
        raise ConfigurationError(
            "the worker needs PostgreSQL: set LEDGERLINK_DATABASE_URL=postgresql://... "
            "(on SQLite, `ledgerlink send` sends inline)"
        )
    connectors = WorkerRuntime.from_settings(
        store, settings, pacer_factory=shared_pacers(store, time_scale=options.time_scale)
    )
    env = WorkerEnv(
        store=store, settings=settings, connectors=connectors, slice_seconds=options.slice_seconds
    )
    connector = procrastinate.PsycopgConnector(
        conninfo=queue_conninfo(settings), min_size=1, max_size=options.concurrency + 2
    )
    app = build_app(env, connector)
    try:
        async with app.open_async():
            await apply_queue_schema(store, app)
            watcher = asyncio.create_task(_watch_for_stalled(app, env, options))
            try:
                await app.run_worker_async(
                    concurrency=options.concurrency,
                    wait=options.wait,
                    name=options.name or "ledgerlink-worker",
                    update_heartbeat_interval=options.heartbeat_seconds,
                    stalled_worker_timeout=options.stalled_after_seconds,
                    delete_jobs="successful",
                    fetch_job_polling_interval=options.poll_seconds,
                )
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
    finally:
        store.close()
