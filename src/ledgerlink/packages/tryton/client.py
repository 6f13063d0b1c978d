"""Talking to a Tryton server over JSON-RPC: the session login, model methods, and Tryton's errors.

Tryton answers `POST /<database>/rpc/` with `{"method", "params", "id"}` bodies. `common.db.login`
gives a session, sent back as `Authorization: Session base64(login:user_id:session)`; a session left
idle expires (about five minutes), so a call refused for its session logs in again once and is sent
again. Each call runs in one database transaction on the server: an error reply proves nothing was
applied, so only a reply that never came leaves a write's outcome unknown.

Tryton is GPL: it is reached here over the wire only, never imported.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx

from ledgerlink.errors import (
    AuthExpired,
    PackageError,
    PackageUnavailable,
    Problem,
    ReconnectNeeded,
    Rejected,
    UncertainOutcome,
)
from ledgerlink.packages.connection import Exchange, Pacer

# Tryton's exceptions whose name says the data was refused: terminal for the record until it changes.
REFUSALS = frozenset(
    {"UserError", "UserWarning", "AccessError", "DomainValidationError", "RequiredValidationError"}
)
# A write that met another writer's lock or row version: nothing applied, worth sending again later.
TRANSIENT = frozenset({"ConcurrencyException", "DatabaseOperationalError", "RateLimitException"})
# Names the server gives a session it no longer knows; login again and retry once.
SESSION_ERRORS = ("ir.session", "NotLogged", "session")

READ_ATTEMPTS = 3  # a read met by an outage is asked this many times in all
READ_BACKOFF = 0.25  # seconds before asking again, doubled each time

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
NO_REPLY = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)

Context = dict[str, Any]


class SessionRefused(AuthExpired):
    """Tryton refused the session: log in again (refused again straight after a login: sign in anew)."""


def encode(value: Any) -> Any:
    """Decimals and dates as Tryton's JSON-RPC writes them: `{"__class__": "Decimal", ...}`."""
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        raise TypeError("send dates, not datetimes, to Tryton")
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    """Tryton's tagged values back to Decimals and dates (datetimes kept as their ISO text)."""
    if isinstance(value, Mapping):
        kind = value.get("__class__")
        if kind == "Decimal":
            return Decimal(str(value["decimal"]))
        if kind == "date":
            return dt.date(int(value["year"]), int(value["month"]), int(value["day"]))
        if kind == "datetime":
            return dt.datetime(
                int(value["year"]),
                int(value["month"]),
                int(value["day"]),
                int(value.get("hour", 0)),
                int(value.get("minute", 0)),
                int(value.get("second", 0)),
            ).isoformat()
        if kind == "bytes":
            return str(value.get("base64", ""))
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def session_header(login: str, user_id: int, session: str) -> str:
    return "Session " + base64.b64encode(f"{login}:{user_id}:{session}".encode()).decode()


def split_credentials(secret: str) -> tuple[str, str]:
    """`login:password`, as a connection keeps a Tryton user (the password may hold colons)."""
    login, _, password = secret.partition(":")
    if not login or not password:
        raise ReconnectNeeded("the Tryton login is incomplete; connect again with a login and a password")
    return login, password


def error_of(method: str, error: Any) -> PackageError:
    """The port's error for Tryton's `["ExceptionName", [message, description, ...]]` reply."""
    name = str(error[0]) if isinstance(error, list) and error else str(error)
    args = error[1] if isinstance(error, list) and len(error) > 1 else []
    if isinstance(args, list):
        words = [str(a) for a in args if isinstance(a, str) and a]
    else:
        words = [str(args)] if args else []
    if name == "UserWarning" and len(words) > 1:
        words = words[1:]  # the first is the warning's key
    text = " ".join(words) or name
    if name in TRANSIENT:
        return PackageUnavailable(f"Tryton could not apply {method} now ({name}): {text}")
    if name in REFUSALS or name.endswith("ValidationError"):
        return Rejected([Problem(text)])
    if any(marker in name for marker in SESSION_ERRORS):
        return SessionRefused(f"Tryton refused the session ({name})")
    if name in ("LoginException", "RateLimitException"):
        return ReconnectNeeded(f"Tryton refused the login: {text}")
    # An exception Tryton did not expect: its transaction was rolled back, so nothing was applied.
    return Rejected([Problem(f"Tryton failed on {method}: {name} {text}".strip())])


class TrytonRpc:
    """One database on one Tryton server, as one user, every call through the connection's pacer."""

    def __init__(
        self,
        url: str,
        database: str,
        credentials: Callable[[], Awaitable[str]],
        *,
        pacer: Pacer | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 60.0,
        observer: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.database = database
        self.path = f"/{database}/rpc/"
        self.credentials = credentials
        self.pacer = pacer
        self.observer = observer
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), transport=transport, timeout=timeout)
        self._session: str | None = None
        self._ids = 0
        self.user_id = 0
        self.context: Context = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def login(self) -> None:
        login, password = split_credentials(await self.credentials())
        try:
            result = await self._post("common.db.login", [login, {"password": password}, "en"], None, True)
        except (Rejected, SessionRefused) as error:
            raise AuthExpired(f"Tryton refused the login {login!r}: {error}") from error
        if not isinstance(result, list) or len(result) < 2:
            raise AuthExpired(f"Tryton refused the login {login!r}")
        self.user_id = int(result[0])
        self._session = session_header(login, self.user_id, str(result[1]))
        preferences = await self._post("model.res.user.get_preferences", [True, {}], self._session, False)
        self.context = dict(preferences) if isinstance(preferences, Mapping) else {}

    async def call(
        self, method: str, *params: Any, write: bool = False, context: Context | None = None
    ) -> Any:
        """`method(*params, context)`; `write` says whether a lost reply leaves the outcome unknown."""
        if self._session is None:
            await self.login()
        try:
            return await self._post(
                method, [*params, {**self.context, **(context or {})}], self._session, write
            )
        except SessionRefused:
            await self.login()
            return await self._post(
                method, [*params, {**self.context, **(context or {})}], self._session, write
            )

    async def model(
        self, model: str, method: str, *params: Any, write: bool = False, context: Context | None = None
    ) -> Any:
        return await self.call(f"model.{model}.{method}", *params, write=write, context=context)

    async def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        limit: int | None = None,
        order: Sequence[tuple[str, str]] | None = None,
    ) -> list[dict[str, Any]]:
        rows = await self.model(model, "search_read", list(domain), 0, limit, order, list(fields))
        return list(rows or [])

    async def _post(self, method: str, params: list[Any], session: str | None, write: bool) -> Any:
        """One call; a read that met an outage (no connection, no reply, a 5xx) is asked again a few times
        before the outage is reported, since asking again changes nothing. A write never is: whether it
        was applied is for `find` to say."""
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                return await self._post_once(method, params, session, write)
            except PackageUnavailable:
                if write or attempt == READ_ATTEMPTS:
                    raise
                await asyncio.sleep(READ_BACKOFF * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _post_once(self, method: str, params: list[Any], session: str | None, write: bool) -> Any:
        self._ids += 1
        body = {"method": method, "params": encode(params), "id": self._ids}
        headers = {"Authorization": session} if session else {}
        started = time.monotonic()
        try:
            if self.pacer is not None:
                async with self.pacer.slot():
                    response = await self._client.post(self.path, json=body, headers=headers)
            else:
                response = await self._client.post(self.path, json=body, headers=headers)
        except NOT_SENT as error:
            self._observe(method, None, started, repr(error))
            raise PackageUnavailable(f"could not reach Tryton: {error}") from error
        except NO_REPLY as error:
            self._observe(method, None, started, repr(error))
            if write:
                raise UncertainOutcome(f"{method}: no reply from Tryton ({type(error).__name__})") from error
            raise PackageUnavailable(f"Tryton did not answer {method}: {error}") from error
        status = response.status_code
        self._observe(method, status, started, "" if status < 400 else response.text[:500])
        if status == 401:
            raise SessionRefused(f"Tryton answered {status} to {method}")
        if status == 403:
            raise ReconnectNeeded(f"the Tryton user may not call {method}; give it the accounting groups")
        if status == 503 or (status >= 500 and not write):
            raise PackageUnavailable(f"Tryton answered {status} to {method}")
        if status >= 500:
            # A crash mid-reply: the transaction is rolled back unless the commit itself was what failed.
            raise UncertainOutcome(f"{method}: Tryton answered {status}")
        try:
            reply = response.json()
        except ValueError as error:
            if write:
                raise UncertainOutcome(f"{method}: Tryton's reply was not JSON") from error
            raise PackageUnavailable(f"{method}: Tryton's reply was not JSON") from error
        if isinstance(reply, Mapping) and reply.get("error") is not None:
            raise error_of(method, reply["error"])
        return decode(reply.get("result")) if isinstance(reply, Mapping) else None

    def _observe(self, method: str, status: int | None, started: float, error: str) -> None:
        if self.observer is not None:
            self.observer(Exchange("POST", method, status, duration=time.monotonic() - started, error=error))
