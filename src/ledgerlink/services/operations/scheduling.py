"""When background work should happen, and how the rest of ledgerlink asks for a send.

On PostgreSQL the work goes on procrastinate's queue, in the same database, and `ledgerlink worker`
processes (any number, on any machine) take it from there. Every job for a connection carries the lock
`connection-<id>`, so two jobs for one connection never run at once; a send waiting to start carries the
queueing lock `send-<id>`, so asking ten times while one waits queues it once. On SQLite there is no
worker and no queue: a send asked for is noted in the store, and `ledgerlink serve` sends it, and every
automatic connection on its interval, from its own process (`inline_schedule.py`); `ledgerlink send`
(or Send) sends at once, as always.

procrastinate is imported only where the queue is used, so the commands that only ask for a send (an
import) start without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ledgerlink.packages.registry import all_packages
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.job_queue import libpq_url
from ledgerlink.store.schedule import Due

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger(__name__)

SEND_TASK = "ledgerlink.send"
REFRESH_TASK = "ledgerlink.refresh_tokens"
LISTS_TASK = "ledgerlink.read_lists"

ASKED = "send_asked"  # on SQLite, the schedule mark of a send asked for and not yet started
DEBOUNCE_SECONDS = 5  # records tend to arrive in bursts: one send a few seconds after the first
# An idle connection's tokens are renewed once four fifths of the shortest refresh-token life of any
# package have passed (a month when none lapses): one schedule for all, with days to spare for a retry.
KEEP_ALIVE_SHARE = 0.8
TOKEN_KEEP_ALIVE = KEEP_ALIVE_SHARE * min(
    (entry.refresh_token_life for entry in all_packages() if entry.refresh_token_life is not None),
    default=timedelta(days=30),
)
LISTS_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class SendRequest:
    """What came of asking for a send: queued (with the job's id), already waiting, or no worker here."""

    queued: bool
    job_id: int | None
    detail: str


def uses_queue(store: Store) -> bool:
    return store.dialect == "postgresql"


def connection_locks(connection_id: int, task: str = "send") -> dict[str, str]:
    """The locks every job for a connection carries: one at a time, one of each kind waiting."""
    return {"lock": f"connection-{connection_id}", "queueing_lock": f"{task}-{connection_id}"}


# --- the queue over the store's own connections --------------------------------------------------


_APPS: dict[int, procrastinate.App] = {}


def queue_app(store: Store) -> procrastinate.App:
    """A procrastinate App that defers jobs through the store's engine (no pool of its own)."""
    import procrastinate

    queue = store.job_queue()
    app = _APPS.get(id(queue))
    if app is None:
        connector = procrastinate.SyncPsycopgConnector()
        connector.open(queue)  # type: ignore[arg-type]
        app = _APPS[id(queue)] = procrastinate.App(connector=connector)
        ensure_queue_schema(store, app)
    return app


def queue_schema_present(store: Store) -> bool:
    return store.job_queue().schema_present()


def ensure_queue_schema(store: Store, app: procrastinate.App) -> bool:
    """Apply procrastinate's schema through its own tooling if this database has none; True if applied."""
    queue = store.job_queue()
    if queue.schema_present():
        return False
    with queue.schema_lock():
        if queue.schema_present():
            return False
        app.schema_manager.apply_schema()
        log.info("applied the job queue's schema")
        return True


async def apply_queue_schema(store: Store, app: procrastinate.App) -> bool:
    """procrastinate's schema through its own tooling, once, whichever worker starts first."""
    queue = store.job_queue()
    if queue.schema_present():
        return False
    with queue.schema_lock():
        if queue.schema_present():
            return False
        await app.schema_manager.apply_schema_async()
        log.info("applied the job queue's schema")
        return True


def queue_conninfo(settings: Settings) -> str:
    """Where a worker's own queue connections go: the store's database, as libpq takes it."""
    return libpq_url(settings.resolved_database_url)


# --- asking for work -----------------------------------------------------------------------------


def request_send(
    store: Store, settings: Settings | None, company_id: int, *, reason: str, pressed: bool = False
) -> SendRequest:
    """Send the company's waiting records soon: one job a few seconds from now, however often asked.

    Records arriving ask for a send only where sending is automatic; `pressed` (a person pressed
    Send) queues one whatever the send mode. `settings` is the caller's; the queue lives in the
    store's database, so nothing else is needed from it. On SQLite the ask is noted for
    `ledgerlink serve`, which sends a few seconds later from its own process.
    """
    del settings
    with store.unit_of_work() as uow:
        connection = uow.connections(company_id).current()
    if connection is None:
        return SendRequest(False, None, "this company is not connected to a package")
    if connection.send_mode != "automatic" and not pressed:
        return SendRequest(False, None, "sending is manual for this company: it waits for Send")
    if not uses_queue(store):
        ask_inline_send(store, connection.id)
        return SendRequest(
            True, None, f"a send is asked for ({reason}): `ledgerlink serve` sends it within seconds"
        )
    from procrastinate import exceptions as queue_errors

    deferrer = queue_app(store).configure_task(
        SEND_TASK,
        schedule_in={"seconds": DEBOUNCE_SECONDS},
        **connection_locks(connection.id),  # type: ignore[arg-type]
    )
    try:
        job_id = deferrer.defer(connection_id=connection.id, company_id=company_id, reason=reason)
    except queue_errors.AlreadyEnqueued:
        return SendRequest(True, None, "a send is already waiting for this connection")
    return SendRequest(True, job_id, f"a send is queued ({reason})")


def ask_inline_send(store: Store, connection_id: int, now: datetime | None = None) -> None:
    """Note a send asked for on SQLite, for `ledgerlink serve` to start (`inline_schedule.py`); the first
    ask of a burst is the one kept, so asking again never puts the send off."""
    with store.unit_of_work() as uow:
        uow.schedule.mark_once(connection_id, ASKED, now or datetime.now(UTC))
        uow.commit()


def records_arrived(store: Store, company_id: int, *, changed: int, reason: str) -> SendRequest | None:
    """Records arriving (the REST API, a CSV file) ask for a send where sending is automatic; a feed
    that changed nothing asks for nothing."""
    if changed <= 0:
        return None
    return request_send(store, None, company_id, reason=reason)


# --- what is due ---------------------------------------------------------------------------------


def due_sends(store: Store, now: datetime | None = None) -> list[Due]:
    """Automatic connections whose interval has passed since their last scheduled send; none paused."""
    now = now or datetime.now(UTC)
    with store.unit_of_work() as uow:
        candidates = uow.schedule.automatic_sends(now)
    return [
        Due(send.connection_id, send.company_id)
        for send in candidates
        if send.last_queued_at is None
        or send.last_queued_at <= now - timedelta(minutes=max(1, send.interval_minutes))
    ]


def due_refreshes(store: Store, now: datetime | None = None) -> list[Due]:
    """Connections left idle long enough that their refresh token could lapse; paused ones too."""
    now = now or datetime.now(UTC)
    with store.unit_of_work() as uow:
        return uow.schedule.renewed_before(now - TOKEN_KEEP_ALIVE)


def refresh_due(store: Store, connection_id: int, now: datetime | None = None) -> bool:
    """Whether this connection's tokens were last renewed long enough ago to renew them now."""
    now = now or datetime.now(UTC)
    with store.unit_of_work() as uow:
        last = uow.schedule.last_renewed(connection_id)
    if last is None:
        return False
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return bool(last <= now - TOKEN_KEEP_ALIVE)


def due_list_reads(store: Store, now: datetime | None = None) -> list[Due]:
    """Connections whose accounts and tax rates were read more than a day ago."""
    now = now or datetime.now(UTC)
    with store.unit_of_work() as uow:
        return uow.schedule.lists_read_before(now - LISTS_EVERY, now)


def mark_scheduled(store: Store, connection_ids: list[int], task: str, now: datetime | None = None) -> None:
    """Remember that `task` was put on the queue for these connections now."""
    if not connection_ids:
        return
    with store.unit_of_work() as uow:
        uow.schedule.mark(connection_ids, task, now or datetime.now(UTC))
        uow.commit()
