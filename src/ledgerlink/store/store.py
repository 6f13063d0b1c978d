"""The store: one engine, opened on purpose (never at import), upgraded to the newest schema on open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ledgerlink.errors import ConfigurationError
from ledgerlink.settings import Settings
from ledgerlink.store import migrate
from ledgerlink.store.job_queue import JobQueueDatabase
from ledgerlink.store.pacer_budgets import PacerBudgets
from ledgerlink.store.send_locks import SendLocks
from ledgerlink.store.unit_of_work import UnitOfWork


class Store:
    """A database ledgerlink keeps its records in; `unit_of_work()` is the way to touch it.

    Three things live beside the units of work because they must not be part of one: the shared pacer's
    budgets (each taken in a transaction of its own, row-locked), the connections' send locks (held for a
    whole send), and the job queue's tables (procrastinate's own, reached through connections lent from
    this store's pool).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._job_queue = JobQueueDatabase(engine)

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Store:
        """Open (and create, for SQLite) the database at `url`, then bring its schema to head."""
        engine = _engine(url)
        if upgrade:
            migrate.upgrade(engine)
        return cls(engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls.open(settings.resolved_database_url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def writers_wait_on_the_server(self) -> bool:
        """Whether a write's time is mostly spent waiting for a database server (PostgreSQL), so that
        writes from several threads overlap; SQLite commits in microseconds, and its writers take turns
        at one lock, where two writing at once from threads of one process could trip over each
        other's snapshot ("database is locked") instead of waiting."""
        return self.dialect != "sqlite"

    @property
    def url(self) -> str:
        """The database's address, its password hidden: names this store in keys and messages."""
        return str(self.engine.url)

    @property
    def database_file(self) -> Path | None:
        """The SQLite file this store keeps; None for PostgreSQL or an SQLite database in memory."""
        database = self.engine.url.database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            return None
        return Path(database)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._session)

    def pacer_budgets(self) -> PacerBudgets:
        """The shared pacer's budget rows: short transactions of their own, outside any unit of work."""
        return PacerBudgets(self.engine)

    def send_locks(self) -> SendLocks:
        """The connections' send locks: one send per connection at a time, across every process."""
        return SendLocks(self.engine, self.database_file)

    def job_queue(self) -> JobQueueDatabase:
        """The job queue's tables in this database, and the connections it borrows (PostgreSQL only)."""
        return self._job_queue

    def _session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as error:  # SQLAlchemy raises a bare ArgumentError with little context
        raise ConfigurationError(f"LEDGERLINK_DATABASE_URL {url!r} is not a database URL: {error}") from error
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets the web and the worker read while a send writes; foreign keys make cascades real."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: large feeds keep their indexes in memory
    cursor.close()
