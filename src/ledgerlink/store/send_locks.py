"""One sender per connection, whoever starts it: the command line, the web app, the REST API or a worker.

A send's start-up turns whatever it finds on its way into uncertain, which is right only when no other
send is running: so every send holds its connection's lock from start to end. The lock is one the
operating system or the database lets go of when the holder's process ends (killed, machine lost), so a
dead sender never blocks the next one:

- PostgreSQL: a session advisory lock, on a connection held for the send;
- SQLite: an exclusive `flock` on a file beside the database (one per connection), which also keeps two
  sends of one process apart; an SQLite database in memory has only its own process, and a lock in it.

Who started the running send, and when, is written to `running_sends` once the lock is held, so a second
start can answer with the running one.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, text

from ledgerlink.errors import SendInProgress
from ledgerlink.store.schedule_tables import RunningSendRow

if sys.platform != "win32":
    import fcntl

SEND_LOCKS = 0x6C6C_7364  # the advisory locks' namespace: (SEND_LOCKS << 32) | connection id
_IN_MEMORY: dict[tuple[int, int], threading.Lock] = {}
_IN_MEMORY_GUARD = threading.Lock()

Release = Callable[[], None]


class SendLocks:
    """The connections' send locks in one store's database."""

    def __init__(self, engine: Engine, database_file: Path | None) -> None:
        self.engine = engine
        self.database_file = database_file

    @contextmanager
    def hold(self, connection_id: int, started_by: str) -> Iterator[None]:
        """Hold the connection's send lock for the block, or raise SendInProgress naming who holds it."""
        release = self._take(connection_id)
        if release is None:
            raise self._running(connection_id)
        try:
            self._note(connection_id, f"{started_by} (process {os.getpid()} on {socket.gethostname()})")
            yield
        finally:
            try:
                self._forget(connection_id)
            finally:
                release()

    # --- the lock itself ---------------------------------------------------------------------------

    def _take(self, connection_id: int) -> Release | None:
        if self.engine.dialect.name == "postgresql":
            return self._advisory(connection_id)
        if self.database_file is not None and sys.platform != "win32":
            return self._lock_file(connection_id)
        return self._in_memory(connection_id)

    def _advisory(self, connection_id: int) -> Release | None:
        key = (SEND_LOCKS << 32) | connection_id
        held = self.engine.connect()
        try:
            taken = bool(held.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
            held.commit()
        except BaseException:
            held.close()
            raise
        if not taken:
            held.close()
            return None

        def release() -> None:
            try:
                held.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                held.commit()
            except Exception:  # the session is in doubt: end it, which lets the lock go too
                held.invalidate()
            finally:
                held.close()

        return release

    def _lock_file(self, connection_id: int) -> Release | None:
        path = Path(f"{self.database_file}.connection-{connection_id}.send-lock")
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None

        def release() -> None:
            try:
                fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                handle.close()

        return release

    def _in_memory(self, connection_id: int) -> Release | None:
        with _IN_MEMORY_GUARD:
            lock = _IN_MEMORY.setdefault((id(self.engine), connection_id), threading.Lock())
        return lock.release if lock.acquire(blocking=False) else None

    # --- who holds it ------------------------------------------------------------------------------

    def _note(self, connection_id: int, started_by: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RunningSendRow).where(RunningSendRow.connection_id == connection_id))
            connection.execute(
                insert(RunningSendRow).values(
                    connection_id=connection_id, started_by=started_by[:200], started_at=datetime.now(UTC)
                )
            )

    def _forget(self, connection_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RunningSendRow).where(RunningSendRow.connection_id == connection_id))

    def _running(self, connection_id: int) -> SendInProgress:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RunningSendRow.started_by, RunningSendRow.started_at).where(
                    RunningSendRow.connection_id == connection_id
                )
            ).first()
        if row is None:  # it has only just begun, and not yet said who it is
            return SendInProgress("another send", datetime.now(UTC))
        return SendInProgress(row.started_by, row.started_at)
