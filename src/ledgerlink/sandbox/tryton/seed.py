"""Starting, counting and stopping a business's `trytond`, for a sandbox whose admin API is synchronous.

The kit's admin API asks a sandbox synchronously, from inside the app's event loop. Starting runs the
plugin's own `start_business` on an event loop of its own in another thread (the first start on a
machine makes the template, about a minute). The counts are read from the business's database file,
read-only; changing an account is a plain JSON-RPC call to the business's own server. Neither goes
through the door the connector uses, so they take nothing from its limits and meet none of its faults.
"""

from __future__ import annotations

import asyncio
import base64
import sqlite3
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

from ledgerlink.errors import LedgerlinkError
from ledgerlink.packages.tryton.server import (
    TrytonHome,
    TrytonProcess,
    default_years,
    ensure_template,
    start_business,
)
from ledgerlink.sandbox.tryton.errors import TrytonSandboxError

T = TypeVar("T")

FIELDS = ["code", "name"]
MOVES = (
    "SELECT count(*) FROM account_move JOIN account_journal ON account_journal.id = account_move.journal"
    " WHERE account_move.description LIKE 'ledgerlink:%' AND account_journal.type = "
)
_sessions: dict[str, str] = {}  # a server's address -> the Authorization header of its admin session
_lock = threading.Lock()
_template_lock = threading.Lock()  # one template made at a time, however many seeds wait for it


def _off_the_loop(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a loop of its own, whatever loop is running in this thread."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(work))
        except BaseException as error:  # handed back to the caller's thread as it is
            failure.append(error)

    thread = threading.Thread(target=run, name="tryton-sandbox-seed")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def prepare(home: TrytonHome) -> None:
    """Tryton installed (when no environment was named) and the template made, once for all the
    businesses; a sandbox served on its own does this as it starts, so its first seed is quick."""
    with _template_lock:
        try:
            _off_the_loop(ensure_template(home, default_years()))
        except LedgerlinkError as error:
            raise TrytonSandboxError(str(error), status=503) from error


def start(home: TrytonHome, name: str, database: str) -> TrytonProcess:
    prepare(home)
    try:
        return _off_the_loop(start_business(home, name, database=database))
    except LedgerlinkError as error:
        raise TrytonSandboxError(str(error), status=503) from error


def stop(server: TrytonProcess) -> None:
    """The server ended and its database gone: a sandbox's businesses last as long as it does."""
    server.stop()
    _sessions.pop(server.url, None)
    for path in server.home.databases.glob(f"{server.database}.sqlite*"):
        path.unlink(missing_ok=True)


def _call(server: TrytonProcess, method: str, *params: Any) -> Any:
    """One JSON-RPC call as the admin user, logging in when there is no session or it lapsed."""
    for attempt in range(2):
        with _lock:
            session = _sessions.get(server.url)
        if session is None:
            login, password = server.home.credentials().split(":", 1)
            user, key, *_ = _post(server, None, "common.db.login", [login, {"password": password}, "en"])
            session = "Session " + base64.b64encode(f"{login}:{user}:{key}".encode()).decode()
            with _lock:
                _sessions[server.url] = session
        try:
            return _post(server, session, method, [*params, {}])
        except PermissionError:
            with _lock:
                _sessions.pop(server.url, None)
            if attempt:
                raise
    raise AssertionError("unreachable")


def _post(server: TrytonProcess, session: str | None, method: str, params: list[Any]) -> Any:
    headers = {"Authorization": session} if session else {}
    body = {"method": method, "params": params, "id": 0}
    try:
        reply = httpx.post(f"{server.url}/{server.database}/rpc/", json=body, headers=headers, timeout=30.0)
    except httpx.HTTPError as error:
        raise TrytonSandboxError(f"Tryton did not answer {method}: {error}", status=503) from error
    if reply.status_code in (401, 403):
        raise PermissionError(method)
    answer = reply.json()
    if answer.get("error"):
        refusal = answer["error"]
        words = refusal[1] if isinstance(refusal, list) and len(refusal) > 1 else refusal
        raise TrytonSandboxError(f"Tryton refused {method}: {words}", status=409)
    return answer.get("result")


# What a business holds, read from its database file: one question a count, each under a millisecond,
# so that `GET /_sandbox/state` (asked before every use of a local sandbox, with a short timeout)
# answers at once however many businesses there are and however busy their servers are.
COUNTS = {
    "parties": "SELECT count(*) - 1 FROM party_party",  # the company's own party aside
    "sales_documents": "SELECT count(*) FROM account_invoice WHERE type = 'out'",
    "purchase_documents": "SELECT count(*) FROM account_invoice WHERE type = 'in'",
    "payments": MOVES + "'cash'",
    "allocations": MOVES + "'general'",
    "opening_entries": MOVES + "'situation'",
}


def counts(server: TrytonProcess) -> dict[str, int]:
    """What the business holds, by the names `SANDBOX.counts` gives the job system's records: Tryton's
    parties, its invoices (credit notes among them) and the moves ledgerlink made, from its own tables."""
    path = server.home.databases / f"{server.database}.sqlite"
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return {}
    try:
        return {name: int(connection.execute(query).fetchone()[0]) for name, query in COUNTS.items()}
    except sqlite3.Error:
        return {}
    finally:
        connection.close()


def change_account(server: TrytonProcess, key: str, status: str) -> dict[str, Any]:
    """Close, reopen or delete one account, found by its code (or else its id)."""
    rows = _call(server, "model.account.account.search_read", [("code", "=", key)], 0, 1, None, FIELDS)
    if not rows and key.isdigit():
        rows = _call(server, "model.account.account.search_read", [("id", "=", int(key))], 0, 1, None, FIELDS)
    if not rows:
        raise TrytonSandboxError(f"no account {key!r}", status=404)
    row = rows[0]
    if status == "deleted":
        _call(server, "model.account.account.delete", [row["id"]])
    else:
        _call(server, "model.account.account.write", [row["id"]], {"closed": status != "active"})
    return {"id": str(row["id"]), "code": str(row["code"]), "name": str(row["name"]), "status": status}
