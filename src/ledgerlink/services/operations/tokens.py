"""A connection's tokens: sealed at rest, refreshed one at a time, however many workers ask at once.

Refresh tokens rotate: two workers refreshing with the same one means one of them gets `invalid_grant`
and the connection is lost. So a refresh takes the connection's row lock (and, within one process, an
asyncio lock), re-reads the stored pair, and refreshes only if nobody else already has; the new pair is
stored in the same transaction. SQLite has no row locks and one write lock for the whole file, which
must not be held across the refresh's request: there a lock file next to the database keeps the
refreshes of every process one at a time, and the pair is read before and stored after the request in
short transactions of their own. An `invalid_grant` marks the connection as needing a reconnect.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledgerlink.errors import ReconnectNeeded
from ledgerlink.packages.base import PackageAuth
from ledgerlink.packages.connection import TokenSet
from ledgerlink.services.operations.secrets import CannotDecrypt, SecretBox
from ledgerlink.store import Store
from ledgerlink.store.connections import ConnectionRepository

if sys.platform != "win32":
    import fcntl

EARLY_REFRESH = timedelta(seconds=60)
_PROCESS_LOCKS: dict[tuple[str, int, int], asyncio.Lock] = {}


def seal_tokens(box: SecretBox, tokens: TokenSet) -> str:
    return box.seal(
        json.dumps(
            {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "access_expires_at": tokens.access_expires_at.isoformat(),
                "refresh_expires_at": tokens.refresh_expires_at.isoformat()
                if tokens.refresh_expires_at
                else None,
                "scope": tokens.scope,
            }
        )
    )


def open_tokens(box: SecretBox, sealed: str) -> TokenSet:
    if not sealed:
        raise ReconnectNeeded("this connection has no tokens: connect it again")
    try:
        data = json.loads(box.open(sealed))
    except CannotDecrypt as error:
        raise ReconnectNeeded(
            "the stored tokens cannot be opened with this secret key (LEDGERLINK_SECRET_KEY changed or the key "
            "file was lost): connect again"
        ) from error
    return TokenSet(
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
        access_expires_at=datetime.fromisoformat(data["access_expires_at"]),
        refresh_expires_at=datetime.fromisoformat(data["refresh_expires_at"])
        if data["refresh_expires_at"]
        else None,
        scope=data.get("scope", ""),
    )


class StoredTokens:
    """The TokenSource a connector uses for one connection, backed by the store."""

    def __init__(
        self,
        store: Store,
        *,
        company_id: int,
        connection_id: int,
        box: SecretBox,
        auth: PackageAuth,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.company_id = company_id
        self.connection_id = connection_id
        self.box = box
        self.auth = auth
        self.now = now
        self._cached: TokenSet | None = None
        self.refreshes = 0

    def _lock(self) -> asyncio.Lock:
        key = (self.store.url, self.connection_id, id(asyncio.get_running_loop()))
        lock = _PROCESS_LOCKS.get(key)
        if lock is None:
            lock = _PROCESS_LOCKS[key] = asyncio.Lock()
        return lock

    def _read(self) -> TokenSet:
        with self.store.unit_of_work() as uow:
            repository = uow.connections(self.company_id)
            connection = repository.get(self.connection_id)
            if connection.needs_reconnect:
                raise ReconnectNeeded(connection.status_reason or "this connection needs reconnecting")
            sealed, _ = repository.sealed_tokens(self.connection_id)
        return open_tokens(self.box, sealed)

    async def access_token(self) -> str:
        tokens = self._cached or self._read()
        self._cached = tokens
        if tokens.access_expires_at - EARLY_REFRESH <= self.now():
            return await self.refresh(tokens.access_token)
        return tokens.access_token

    async def renew(self) -> str:
        """Refresh now, however long the access token has left: a refresh token in use never lapses."""
        with self.store.unit_of_work() as uow:
            sealed, _ = uow.connections(self.company_id).sealed_tokens(self.connection_id)
        return await self.refresh(open_tokens(self.box, sealed).access_token)

    async def refresh(self, stale_access_token: str) -> str:
        async with self._lock():
            if self.store.dialect == "sqlite":
                async with self._across_processes():
                    return await self._refresh_between_transactions(stale_access_token)
            with self.store.unit_of_work() as uow:
                repository = uow.connections(self.company_id)
                sealed, _ = repository.sealed_tokens(self.connection_id, lock=True)
                current = open_tokens(self.box, sealed)
                if self._refreshed_meanwhile(current, stale_access_token):
                    uow.rollback()
                    return current.access_token
                try:
                    renewed = await self.auth.refresh(current.refresh_token)
                except ReconnectNeeded as error:
                    uow.rollback()
                    self._mark_reconnect(str(error))
                    raise
                self._store(repository, renewed)
                uow.commit()
            return self._renewed(renewed)

    def _refreshed_meanwhile(self, current: TokenSet, stale_access_token: str) -> bool:
        if (
            current.access_token != stale_access_token
            and current.access_expires_at - EARLY_REFRESH > self.now()
        ):
            self._cached = current  # another worker refreshed while we waited
            return True
        return False

    def _store(self, repository: ConnectionRepository, renewed: TokenSet) -> None:
        repository.store_tokens(
            self.connection_id,
            sealed_tokens=seal_tokens(self.box, renewed),
            access_expires_at=renewed.access_expires_at,
            refresh_expires_at=renewed.refresh_expires_at,
        )

    def _renewed(self, renewed: TokenSet) -> str:
        self.refreshes += 1
        self._cached = renewed
        return renewed.access_token

    async def _refresh_between_transactions(self, stale_access_token: str) -> str:
        """SQLite has no row locks, and its write lock must not be held while the refresh is awaited:
        every other write of this process (a batch's outcome) would then block the event loop the
        refresh needs, until the database gives up. The lock file keeps other processes out instead."""
        with self.store.unit_of_work() as uow:
            sealed, _ = uow.connections(self.company_id).sealed_tokens(self.connection_id)
        current = open_tokens(self.box, sealed)
        if self._refreshed_meanwhile(current, stale_access_token):
            return current.access_token
        try:
            renewed = await self.auth.refresh(current.refresh_token)
        except ReconnectNeeded as error:
            self._mark_reconnect(str(error))
            raise
        with self.store.unit_of_work() as uow:
            self._store(uow.connections(self.company_id), renewed)
            uow.commit()
        return self._renewed(renewed)

    @asynccontextmanager
    async def _across_processes(self) -> AsyncIterator[None]:
        """One refresh at a time for this connection among every process using this SQLite file."""
        database = self.store.database_file
        if database is None or sys.platform == "win32":
            yield
            return
        path = Path(f"{database}.connection-{self.connection_id}.refresh-lock")
        with path.open("a") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _mark_reconnect(self, reason: str) -> None:
        with self.store.unit_of_work() as uow:
            uow.connections(self.company_id).set_status(
                self.connection_id, "needs_reconnect", f"the package refused our access: {reason}. Reconnect."
            )
            uow.commit()
