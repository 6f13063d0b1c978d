"""A connection's tokens: sealed at rest, refreshed one at a time, however many workers ask at once.

Refresh tokens rotate: two workers refreshing with the same one means one of them gets `invalid_grant`
and the connection is lost. So a refresh takes the connection's row lock (and, within one process, an
asyncio lock), re-reads the stored pair, and refreshes only if nobody else already has; the new pair is
stored in the same transaction. An `invalid_grant` marks the connection as needing a reconnect.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ledgerlink.errors import ReconnectNeeded
from ledgerlink.packages.base import PackageAuth, TokenSet
from ledgerlink.services.secrets import CannotDecrypt, SecretBox
from ledgerlink.store import Store
from ledgerlink.store.connections import ConnectionRepository

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
        key = (str(self.store.engine.url), self.connection_id, id(asyncio.get_running_loop()))
        lock = _PROCESS_LOCKS.get(key)
        if lock is None:
            lock = _PROCESS_LOCKS[key] = asyncio.Lock()
        return lock

    def _read(self) -> TokenSet:
        with self.store.unit_of_work() as uow:
            repository = ConnectionRepository(uow.session, self.company_id)
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

    async def refresh(self, stale_access_token: str) -> str:
        async with self._lock():
            with self.store.unit_of_work() as uow:
                if self.store.dialect == "sqlite":  # SQLite has no row locks: take the database's write lock
                    uow.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                repository = ConnectionRepository(uow.session, self.company_id)
                sealed, _ = repository.sealed_tokens(self.connection_id, lock=True)
                current = open_tokens(self.box, sealed)
                fresh_enough = current.access_expires_at - EARLY_REFRESH > self.now()
                if current.access_token != stale_access_token and fresh_enough:
                    self._cached = current  # another worker refreshed while we waited
                    uow.rollback()
                    return current.access_token
                try:
                    renewed = await self.auth.refresh(current.refresh_token)
                except ReconnectNeeded as error:
                    uow.rollback()
                    self._mark_reconnect(str(error))
                    raise
                repository.store_tokens(
                    self.connection_id,
                    sealed_tokens=seal_tokens(self.box, renewed),
                    access_expires_at=renewed.access_expires_at,
                    refresh_expires_at=renewed.refresh_expires_at,
                )
                uow.commit()
                self.refreshes += 1
                self._cached = renewed
                return renewed.access_token

    def _mark_reconnect(self, reason: str) -> None:
        with self.store.unit_of_work() as uow:
            ConnectionRepository(uow.session, self.company_id).set_status(
                self.connection_id, "needs_reconnect", f"the package refused our access: {reason}. Reconnect."
            )
            uow.commit()
