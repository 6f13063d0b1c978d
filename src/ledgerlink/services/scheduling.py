"""When background work should happen, and how the rest of ledgerlink asks for a send.

On PostgreSQL the work goes on procrastinate's queue, in the same database, and `ledgerlink worker`
processes (any number, on any machine) take it from there. Every job for a connection carries the lock
`connection-<id>`, so two jobs for one connection never run at once; a send waiting to start carries the
queueing lock `send-<id>`, so asking ten times while one waits queues it once. On SQLite there is no
worker: sending happens when someone runs `ledgerlink send` (or presses Send), as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
from procrastinate import exceptions as queue_errors
from sqlalchemy import Engine, and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connection_tables import ConnectionRow
from ledgerlink.store.connections import ConnectionRepository
from ledgerlink.store.schedule_tables import ScheduleMarkRow

log = logging.getLogger(__name__)

SEND_TASK = "ledgerlink.send"
REFRESH_TASK = "ledgerlink.refresh_tokens"
LISTS_TASK = "ledgerlink.read_lists"

DEBOUNCE_SECONDS = 5  # records tend to arrive in bursts: one send a few seconds after the first
TOKEN_KEEP_ALIVE = timedelta(days=25)  # Sage's refresh tokens last 31 days, Xero's 60 idle days
LISTS_EVERY = timedelta(days=1)
SCHEMA_LOCK = 0x6C6C_7175  # an advisory lock id: one process applies the queue's schema at a time


@dataclass(frozen=True)
class SendRequest:
    """What came of asking for a send: queued (with the job's id), already waiting, or no worker here."""

    queued: bool
    job_id: int | None
    detail: str


@dataclass(frozen=True)
class Due:
    connection_id: int
    company_id: int


def uses_queue(store: Store) -> bool:
    return store.dialect == "postgresql"


def connection_locks(connection_id: int, task: str = "send") -> dict[str, str]:
    """The locks every job for a connection carries: one at a time, one of each kind waiting."""
    return {"lock": f"connection-{connection_id}", "queueing_lock": f"{task}-{connection_id}"}


# --- the queue over the store's own connections --------------------------------------------------


class _EnginePool:
    """Lends procrastinate's sync connector the store's pooled connections, one transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def connection(self) -> Iterator[Any]:
        raw = self.engine.raw_connection()
        try:
            yield raw.driver_connection
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()


_APPS: dict[int, procrastinate.App] = {}


def queue_app(store: Store) -> procrastinate.App:
    """A procrastinate App that defers jobs through the store's engine (no pool of its own)."""
    app = _APPS.get(id(store.engine))
    if app is None:
        connector = procrastinate.SyncPsycopgConnector()
        connector.open(_EnginePool(store.engine))  # type: ignore[arg-type]
        app = _APPS[id(store.engine)] = procrastinate.App(connector=connector)
        ensure_queue_schema(store, app)
    return app


def queue_schema_present(store: Store) -> bool:
    with store.engine.connect() as connection:
        return connection.scalar(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")) is True


def ensure_queue_schema(store: Store, app: procrastinate.App) -> bool:
    """Apply procrastinate's schema through its own tooling if this database has none; True if applied."""
    if queue_schema_present(store):
        return False
    with store.engine.connect() as guard:
        guard.execute(text("SELECT pg_advisory_lock(:id)"), {"id": SCHEMA_LOCK})
        try:
            if queue_schema_present(store):
                return False
            app.schema_manager.apply_schema()
            log.info("applied the job queue's schema")
            return True
        finally:
            guard.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": SCHEMA_LOCK})
            guard.commit()


# --- asking for work -----------------------------------------------------------------------------


def request_send(
    store: Store, settings: Settings, company_id: int, *, reason: str, pressed: bool = False
) -> SendRequest:
    """Send the company's waiting records soon: one job a few seconds from now, however often asked.

    Records arriving ask for a send only where sending is automatic; `pressed` (a person pressed
    Send) queues one whatever the send mode. `settings` is the caller's; the queue lives in the
    store's database, so nothing else is needed from it.
    """
    del settings
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company_id).current()
    if connection is None:
        return SendRequest(False, None, "this company is not connected to a package")
    if connection.send_mode != "automatic" and not pressed:
        return SendRequest(False, None, "sending is manual for this company: it waits for Send")
    if not uses_queue(store):
        return SendRequest(False, None, "no worker on SQLite: `ledgerlink send` sends what is waiting")
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


# --- what is due ---------------------------------------------------------------------------------


def _usable(now: datetime) -> Any:
    return and_(
        ConnectionRow.status == "active",
        ConnectionRow.sealed_tokens != "",
        or_(ConnectionRow.paused_until.is_(None), ConnectionRow.paused_until <= now),
    )


def due_sends(store: Store, now: datetime | None = None) -> list[Due]:
    """Automatic connections whose interval has passed since their last scheduled send; none paused."""
    now = now or datetime.now(UTC)
    query = (
        select(
            ConnectionRow.id,
            ConnectionRow.company_id,
            ConnectionRow.send_interval_minutes,
            ScheduleMarkRow.ran_at,
        )
        .outerjoin(
            ScheduleMarkRow,
            and_(ScheduleMarkRow.connection_id == ConnectionRow.id, ScheduleMarkRow.task == "send"),
        )
        .where(_usable(now), ConnectionRow.send_mode == "automatic")
        .order_by(func.coalesce(ScheduleMarkRow.ran_at, ConnectionRow.connected_at), ConnectionRow.id)
    )
    with store.unit_of_work() as uow:
        rows = uow.session.execute(query).all()
    return [
        Due(row.id, row.company_id)
        for row in rows
        if row.ran_at is None or row.ran_at <= now - timedelta(minutes=max(1, row.send_interval_minutes))
    ]


def due_refreshes(store: Store, now: datetime | None = None) -> list[Due]:
    """Connections left idle long enough that their refresh token could lapse; paused ones too."""
    now = now or datetime.now(UTC)
    cutoff = now - TOKEN_KEEP_ALIVE
    query = select(ConnectionRow.id, ConnectionRow.company_id).where(
        ConnectionRow.status == "active",
        ConnectionRow.sealed_tokens != "",
        func.coalesce(ConnectionRow.refreshed_at, ConnectionRow.connected_at) <= cutoff,
    )
    with store.unit_of_work() as uow:
        return [Due(row.id, row.company_id) for row in uow.session.execute(query)]


def refresh_due(store: Store, connection_id: int, now: datetime | None = None) -> bool:
    """Whether this connection's tokens were last renewed long enough ago to renew them now."""
    now = now or datetime.now(UTC)
    query = select(func.coalesce(ConnectionRow.refreshed_at, ConnectionRow.connected_at)).where(
        ConnectionRow.id == connection_id
    )
    with store.unit_of_work() as uow:
        last = uow.session.scalar(query)
    if last is None:
        return False
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return bool(last <= now - TOKEN_KEEP_ALIVE)


def due_list_reads(store: Store, now: datetime | None = None) -> list[Due]:
    """Connections whose accounts and tax rates were read more than a day ago."""
    now = now or datetime.now(UTC)
    query = select(ConnectionRow.id, ConnectionRow.company_id).where(
        _usable(now),
        ConnectionRow.lists_read_at.is_not(None),
        ConnectionRow.lists_read_at <= now - LISTS_EVERY,
    )
    with store.unit_of_work() as uow:
        return [Due(row.id, row.company_id) for row in uow.session.execute(query)]


def mark_scheduled(store: Store, connection_ids: list[int], task: str, now: datetime | None = None) -> None:
    """Remember that `task` was put on the queue for these connections now."""
    if not connection_ids:
        return
    now = now or datetime.now(UTC)
    insert = pg_insert if store.dialect == "postgresql" else sqlite_insert
    statement = insert(ScheduleMarkRow).values(
        [{"connection_id": cid, "task": task, "ran_at": now} for cid in connection_ids]
    )
    statement = statement.on_conflict_do_update(
        index_elements=["connection_id", "task"], set_={"ran_at": statement.excluded.ran_at}
    )
    with store.unit_of_work() as uow:
        uow.session.execute(statement)
        uow.commit()
