"""Starting a worker process: its store, its runtime with shared pacers, the queue's schema, the loop.

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
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ledgerlink.errors import ConfigurationError
from ledgerlink.services.scheduling import SCHEMA_LOCK, queue_schema_present
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.worker.app import WorkerEnv, WorkerRuntime, build_app, recover_stalled
from ledgerlink.worker.limits import shared_pacers

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


def libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def apply_queue_schema(store: Store, app: procrastinate.App) -> bool:
    """procrastinate's schema through its own tooling, once, whichever worker starts first."""
    if queue_schema_present(store):
        return False
    with store.engine.connect() as guard:
        guard.execute(text("SELECT pg_advisory_lock(:id)"), {"id": SCHEMA_LOCK})
        try:
            if queue_schema_present(store):
                return False
            await app.schema_manager.apply_schema_async()
            log.info("applied the job queue's schema")
            return True
        finally:
            guard.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": SCHEMA_LOCK})
            guard.commit()


async def _watch_for_stalled(app: procrastinate.App, options: WorkerOptions) -> None:
    while True:
        await asyncio.sleep(max(options.stalled_after_seconds / 2, 0.5))
        try:
            await recover_stalled(app, seconds_since_heartbeat=options.stalled_after_seconds)
        except Exception:  # a lost database connection: the next look tries again
            log.exception("could not look for stalled jobs")


async def run_worker(settings: Settings, options: WorkerOptions | None = None) -> None:
    """Run one worker until stopped (SIGINT/SIGTERM), or until the queue is empty if `wait` is off."""
    options = options or WorkerOptions()
    store = Store.from_settings(settings)
    if store.dialect != "postgresql":
        store.close()
        raise ConfigurationError(
            "the worker needs PostgreSQL: set LEDGERLINK_DATABASE_URL=postgresql://... "
            "(on SQLite, `ledgerlink send` sends inline)"
        )
    runtime = WorkerRuntime.from_settings(
        store, settings, pacer_factory=shared_pacers(store.engine, time_scale=options.time_scale)
    )
    env = WorkerEnv(store=store, settings=settings, runtime=runtime, slice_seconds=options.slice_seconds)
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(settings.resolved_database_url), min_size=1, max_size=options.concurrency + 2
    )
    app = build_app(env, connector)
    try:
        async with app.open_async():
            await apply_queue_schema(store, app)
            watcher = asyncio.create_task(_watch_for_stalled(app, options))
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
