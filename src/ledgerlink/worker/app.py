"""The queue's tasks: sending, keeping tokens alive, re-reading the package's lists, and the minute tick.

Every job for a connection holds the lock `connection-<id>` (one at a time per connection) and, while
it waits, the queueing lock `<task>-<id>` (one waiting per connection and kind). A send works for one
time slice and, if work is left, puts itself at the back of the queue, so a company with 100,000
records to send takes turns with one that has 10.

Nothing here uses procrastinate's own retries: a retried job keeps its queueing lock and would collide
with the send already waiting. A passing failure (the package down, a minute limit) defers a fresh job
with a growing delay instead; a connection that needs reconnecting, or paused for its daily limit, is
left alone until a person reconnects or the pause ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate import exceptions as queue_errors
from procrastinate.job_context import JobContext

from ledgerlink.domain.outbox import EntryState
from ledgerlink.errors import Effect, PackageError, SendInProgress, StepNotReady, effect_of
from ledgerlink.services.onboarding.connect import find_connection
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.onboarding.steps import require_step
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.notices import after_send
from ledgerlink.services.operations.scheduling import (
    LISTS_TASK,
    REFRESH_TASK,
    SEND_TASK,
    connection_locks,
    due_list_reads,
    due_refreshes,
    due_sends,
    mark_scheduled,
    refresh_due,
)
from ledgerlink.services.operations.tokens import StoredTokens
from ledgerlink.services.sending.engine import Sender
from ledgerlink.settings import Settings
from ledgerlink.store import Connection, StalledJob, Store
from ledgerlink.worker import from_package

log = logging.getLogger(__name__)

TICK_TASK = "ledgerlink.tick"
TASK_KINDS = {SEND_TASK: "send", REFRESH_TASK: "refresh", LISTS_TASK: "lists"}


@dataclass
class WorkerRuntime(ConnectorFactory):
    """A ConnectorFactory that asks where a sandbox lives once per process, not once per job."""

    _bases: dict[str, str] = field(default_factory=dict)

    def sandbox_base(self, package: str) -> str:
        base = self._bases.get(package)
        if base is None:
            base = self._bases[package] = super().sandbox_base(package)
        return base


@dataclass
class WorkerEnv:
    """What every job in one worker process shares."""

    store: Store
    settings: Settings
    connectors: ConnectorFactory
    slice_seconds: float = 30.0  # one send's turn before it makes way for other companies
    retry_base: float = 5.0  # the first wait after a passing failure; doubles each time
    retry_cap: float = 900.0

    running: set[int] = field(default_factory=set)  # the ids of the jobs this process is running now

    def backoff(self, attempt: int) -> float:
        return float(min(self.retry_cap, self.retry_base * 2 ** max(0, attempt - 1)))

    @contextmanager
    def running_job(self, context: JobContext) -> Iterator[None]:
        """Count the job as this process's while it runs: its own look for stalled jobs leaves it be."""
        job_id = context.job.id
        if job_id is not None:
            self.running.add(job_id)
        try:
            yield
        finally:
            self.running.discard(job_id or 0)


def _now() -> datetime:
    return datetime.now(UTC)


def _load(store: Store, company_id: int, connection_id: int) -> Connection | None:
    return find_connection(store, company_id, connection_id)


def _unusable(connection: Connection | None, now: datetime) -> str:
    """Why no job should touch this connection now ("" when it may be used)."""
    if connection is None:
        return "the connection is gone"
    if connection.status != "active":
        return f"the connection is {connection.status.replace('_', ' ')}"
    if connection.paused_until is not None and connection.paused_until > now:
        return f"paused until {connection.paused_until:%Y-%m-%d %H:%M} UTC"
    return ""


async def defer(
    app: procrastinate.App,
    task: str,
    *,
    connection_id: int,
    company_id: int,
    schedule_in: float | None = None,
    schedule_at: datetime | None = None,
    **task_kwargs: Any,
) -> int | None:
    """Put one job for a connection on the queue; None when one of that kind is already waiting."""
    options: dict[str, Any] = dict(connection_locks(connection_id, TASK_KINDS[task]))
    if schedule_at is not None:
        options["schedule_at"] = schedule_at
    elif schedule_in:
        options["schedule_in"] = {"seconds": schedule_in}
    try:
        return await app.configure_task(task, **options).defer_async(
            connection_id=connection_id, company_id=company_id, **task_kwargs
        )
    except queue_errors.AlreadyEnqueued:
        return None


# --- the work ------------------------------------------------------------------------------------


async def send(
    env: WorkerEnv, app: procrastinate.App, connection_id: int, company_id: int, reason: str, attempt: int
) -> str:
    """One time slice of sending for one connection; what happens next is decided here, not retried."""
    connection = _load(env.store, company_id, connection_id)
    why_not = _unusable(connection, _now())
    if why_not or connection is None:
        return f"skipped: {why_not}"
    try:
        state = require_step(env.store, company_id, "send")
    except StepNotReady as not_ready:
        return f"skipped: {not_ready}"
    if state.connection is None or state.connection.id != connection_id:
        return "skipped: the company now sends through another connection"
    connector = env.connectors.connector(connection)
    try:
        report = await Sender(
            env.store,
            connection=connection,
            connector=connector,
            slice_seconds=env.slice_seconds,
            started_by="a worker",
        ).run()
    except SendInProgress as running:  # started inline (the command line, the web app): look again later
        return await _again_later(env, app, connection, reason, attempt, str(running))
    except PackageError as error:  # the sender settles its own; one raised before it began
        if effect_of(error) is Effect.RECONNECT:
            await asyncio.to_thread(after_send, env.store, env.connectors.settings, company_id)
            return f"stopped: {error}"
        return await _again_later(env, app, connection, reason, attempt, str(error))
    finally:
        await connector.aclose()
    await asyncio.to_thread(after_send, env.store, env.connectors.settings, company_id)
    after = _load(env.store, company_id, connection_id)
    now = _now()
    if after is None or after.status != "active":
        return f"stopped: {report.stopped or 'the connection changed'}"
    if after.paused_until is not None and after.paused_until > now:
        await defer(
            app,
            SEND_TASK,
            connection_id=connection_id,
            company_id=company_id,
            schedule_at=after.paused_until,
            reason="the pause ended",
        )
        return f"paused: {report.stopped}"
    if report.stopped:
        return await _again_later(env, app, connection, reason, attempt, report.stopped)
    if report.more:
        await defer(app, SEND_TASK, connection_id=connection_id, company_id=company_id, reason="more to send")
        return f"sent {sum(report.sent.values())}, more to send"
    uncertain = report.counts.get(EntryState.UNCERTAIN, 0)
    if uncertain:  # a reply lost on the way: settled by the next run, not left for the next schedule
        why = f"sent {sum(report.sent.values())}; {uncertain} may have reached the package, to be settled"
        return await _again_later(env, app, connection, reason, attempt, why)
    return f"sent {sum(report.sent.values())}"


async def _again_later(
    env: WorkerEnv, app: procrastinate.App, connection: Connection, reason: str, attempt: int, why: str
) -> str:
    wait = env.backoff(attempt + 1)
    await defer(
        app,
        SEND_TASK,
        connection_id=connection.id,
        company_id=connection.company_id,
        schedule_in=wait,
        reason=reason,
        attempt=attempt + 1,
    )
    log.info("connection %s: %s; trying again in %.0f s", connection.id, why, wait)
    return f"again in {wait:.0f} s: {why}"


async def refresh_tokens(
    env: WorkerEnv, app: procrastinate.App, connection_id: int, company_id: int, attempt: int
) -> str:
    """Use the refresh token before it lapses, so a quiet company never has to reconnect."""
    connection = _load(env.store, company_id, connection_id)
    if connection is None or connection.status != "active":
        return "skipped: the connection is not active"
    if not refresh_due(env.store, connection_id):
        return "fresh enough"
    tokens = StoredTokens(
        env.store,
        company_id=company_id,
        connection_id=connection_id,
        box=env.connectors.box,
        auth=env.connectors.auth(connection.package, sandbox=connection.sandbox),
    )
    try:
        await tokens.renew()
    except PackageError as error:
        if effect_of(error) is Effect.RECONNECT:
            return f"needs reconnecting: {error}"
        wait = env.backoff(attempt + 1)
        await defer(
            app,
            REFRESH_TASK,
            connection_id=connection_id,
            company_id=company_id,
            schedule_in=wait,
            attempt=attempt + 1,
        )
        return f"again in {wait:.0f} s: {error}"
    return "refreshed"


async def read_lists(
    env: WorkerEnv, app: procrastinate.App, connection_id: int, company_id: int, attempt: int
) -> str:
    """Re-read the package's accounts and tax rates, so a mapping to a deleted account shows up."""
    connection = _load(env.store, company_id, connection_id)
    why_not = _unusable(connection, _now())
    if why_not or connection is None:
        return f"skipped: {why_not}"
    connector = env.connectors.connector(connection)
    try:
        await Nominals(env.store, connection).read_lists(connector)
    except PackageError as error:
        if effect_of(error) is Effect.RECONNECT:
            return f"needs reconnecting: {error}"
        wait = env.backoff(attempt + 1)
        await defer(
            app,
            LISTS_TASK,
            connection_id=connection_id,
            company_id=company_id,
            schedule_in=wait,
            attempt=attempt + 1,
        )
        return f"again in {wait:.0f} s: {error}"
    finally:
        await connector.aclose()
    return "lists read"


async def schedule_due(store: Store, app: procrastinate.App) -> dict[str, int]:
    """Queue what is due: automatic sends, token keep-alives, daily list reads. Safe to run anywhere."""
    queued: dict[str, int] = {}
    for task, kind, due in (
        (SEND_TASK, "send", due_sends(store)),
        (REFRESH_TASK, "refresh", due_refreshes(store)),
        (LISTS_TASK, "lists", due_list_reads(store)),
    ):
        extra: dict[str, Any] = {"reason": "scheduled"} if task == SEND_TASK else {}
        for item in due:
            await defer(app, task, connection_id=item.connection_id, company_id=item.company_id, **extra)
        if task == SEND_TASK:
            mark_scheduled(store, [item.connection_id for item in due], "send")
        queued[kind] = len(due)
    return queued


async def recover_stalled(
    app: procrastinate.App,
    store: Store,
    *,
    seconds_since_heartbeat: float,
    running_here: Collection[int] = (),
) -> int:
    """Put back on the queue the jobs of workers that stopped beating (killed, machine lost).

    Every worker looks, so several may find the same job at the same moment: the store re-queues it
    only while the stopped worker still holds it, so one of them puts it back and the others leave it,
    and nothing is ever failed (a job whose kind already waits is cancelled in favour of that one).
    The new run finds what the dead one left on its way as uncertain, and settles it by replaying the
    same idempotency keys: nothing is lost and nothing is sent twice. Returns how many it put back.

    A worker whose heartbeat is late but who is alive (a busy machine) is not dead: its jobs are
    re-queued only while its heartbeat is still old when the job is taken back, and a worker never takes
    back the jobs it is running itself (`running_here`), whatever its own heartbeat says.
    """
    recovered = 0
    queue = store.job_queue()
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat):
        assert job.id is not None
        if job.id in running_here:
            continue
        outcome = await asyncio.to_thread(
            queue.requeue_stalled, job.id, job.worker_id, seconds_since_heartbeat
        )
        if outcome is StalledJob.REQUEUED:
            log.warning("job %s (%s) of a stopped worker is back on the queue", job.id, job.task_name)
            recovered += 1
        elif outcome is StalledJob.SUPERSEDED:
            log.warning("job %s (%s) of a stopped worker gives way to the one waiting", job.id, job.task_name)
    return recovered


# --- wiring --------------------------------------------------------------------------------------


def build_app(env: WorkerEnv, connector: procrastinate.PsycopgConnector) -> procrastinate.App:
    """The procrastinate App with ledgerlink's tasks bound to this process's store and connectors."""
    app = procrastinate.App(connector=connector)

    @app.task(name=SEND_TASK, pass_context=True)
    async def send_task(
        context: JobContext, connection_id: int, company_id: int, reason: str = "", attempt: int = 0
    ) -> str:
        with env.running_job(context):
            return await send(env, app, connection_id, company_id, reason, attempt)

    @app.task(name=REFRESH_TASK, pass_context=True)
    async def refresh_task(context: JobContext, connection_id: int, company_id: int, attempt: int = 0) -> str:
        with env.running_job(context):
            return await refresh_tokens(env, app, connection_id, company_id, attempt)

    @app.task(name=LISTS_TASK, pass_context=True)
    async def lists_task(context: JobContext, connection_id: int, company_id: int, attempt: int = 0) -> str:
        with env.running_job(context):
            return await read_lists(env, app, connection_id, company_id, attempt)

    @app.periodic(cron="* * * * *", periodic_id="minute")
    @app.task(name=TICK_TASK, queueing_lock="tick")
    async def tick_task(timestamp: int) -> str:
        queued = await schedule_due(env.store, app)
        return ", ".join(f"{count} {kind}" for kind, count in queued.items())

    from_package.register(app, env.connectors)
    return app


__all__ = ["WorkerEnv", "WorkerRuntime", "build_app", "defer", "recover_stalled", "schedule_due"]
