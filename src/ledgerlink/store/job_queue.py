"""The job queue's place in the store's database: procrastinate's tables beside ledgerlink's own.

procrastinate owns its tables and applies its schema with its own tooling; the store only lends it
connections from its pool (no second pool to size), says whether the schema is there, and holds the
advisory lock that lets one process apply it while any others that start at the same moment wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

SCHEMA_LOCK = 0x6C6C_7175  # an advisory lock id: one process applies the queue's schema at a time


class StalledJob(StrEnum):
    """What recovering one stopped worker's job came to."""

    REQUEUED = "requeued"  # back on the queue, to run again from the start
    SUPERSEDED = "superseded"  # another job of its kind was already waiting: that one does the work
    GONE = "gone"  # another worker recovered it first, or it is no longer the stopped worker's


# Only a job still held by the worker found stopped is touched: a list of stalled jobs read a moment
# ago may already be out of date (another worker recovered a job, and a third took it up again).
# And only while that worker's heartbeat is still old: a worker that was slow, not dead, keeps its jobs.
_STILL_STALLED = (
    "id = :job_id AND status = 'doing' AND worker_id IS NOT DISTINCT FROM :worker_id AND (worker_id IS NULL "
    "OR worker_id IN (SELECT id FROM procrastinate_workers "
    "WHERE last_heartbeat < NOW() - make_interval(secs => :seconds)))"
)


def libpq_url(database_url: str) -> str:
    """The database's address as libpq (and so procrastinate's own connector) takes it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class JobQueueDatabase:
    """procrastinate's view of the store's PostgreSQL database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """One of the store's pooled connections as the driver's own, for one transaction."""
        raw = self.engine.raw_connection()
        try:
            yield raw.driver_connection
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()

    def schema_present(self) -> bool:
        with self.engine.connect() as connection:
            return connection.scalar(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")) is True

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """Held by one process at a time, across every machine on this database."""
        with self.engine.connect() as guard:
            guard.execute(text("SELECT pg_advisory_lock(:id)"), {"id": SCHEMA_LOCK})
            try:
                yield
            finally:
                guard.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": SCHEMA_LOCK})
                guard.commit()

    def requeue_stalled(
        self, job_id: int, worker_id: int | None, seconds_since_heartbeat: float
    ) -> StalledJob:
        """Put a stopped worker's job back on the queue, whichever of several racing workers asks.

        One UPDATE, conditional on the job being still the stopped worker's: of any number of workers
        recovering it at the same moment, one wins (REQUEUED) and the others change nothing (GONE). A
        job whose queueing lock another waiting job holds is cancelled instead (SUPERSEDED), never
        failed: the waiting one does the same work.
        """
        params = {"job_id": job_id, "worker_id": worker_id, "seconds": seconds_since_heartbeat}
        with self.engine.begin() as connection:
            attempt = connection.begin_nested()
            try:
                requeued = connection.execute(
                    text(
                        "UPDATE procrastinate_jobs SET status = 'todo', attempts = attempts + 1, "
                        f"scheduled_at = NOW(), worker_id = NULL WHERE {_STILL_STALLED} RETURNING id"
                    ),
                    params,
                ).first()
                attempt.commit()
            except IntegrityError:  # the queueing lock: one of its kind is waiting already
                attempt.rollback()
                cancelled = connection.execute(
                    text(
                        "UPDATE procrastinate_jobs SET status = 'cancelled', worker_id = NULL "
                        f"WHERE {_STILL_STALLED} RETURNING id"
                    ),
                    params,
                ).first()
                return StalledJob.SUPERSEDED if cancelled is not None else StalledJob.GONE
        return StalledJob.REQUEUED if requeued is not None else StalledJob.GONE
