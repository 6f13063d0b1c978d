"""Talking to QuickBooks Online v3 for one company: the realm in every path, `minorversion` on every
call, `requestid` on every write, the query language paged with STARTPOSITION/MAXRESULTS, the batch
endpoint, and Faults read wherever they come (a 4xx, a 200, or one item of a batch).

Tokens, pacing and retries are the shared HTTP layer's (`ledgerlink.packages.http`); this module only
reads QuickBooks' replies for it, and names each batch call as such (`BATCH`) so that the connection's
pacer keeps those under their own budget (40 a minute, declared in the connector's limits).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx

from ledgerlink.errors import PackageError, Problem, RateLimited, RateLimitScope, ReconnectNeeded, Rejected
from ledgerlink.packages.connection import ConnectionContext, LimitReport
from ledgerlink.packages.http import PackageHttp
from ledgerlink.packages.quickbooks.settings import MINOR_VERSION

PAGE_SIZE = 1000  # MAXRESULTS' largest value
THROTTLE_WAIT = 60.0  # QuickBooks sends no Retry-After: a minute, as Intuit advises
BATCH = "batch"  # the kind of call QuickBooks limits on its own
BATCH_CALLS_PER_MINUTE = 40
STALE = "5010"


class StaleObject(Rejected):
    """The SyncToken sent was not the current one (5010): re-read, re-apply once."""


def request_id(payload: Any, *, length: int = 32) -> str:
    """The same body always gets the same id, so a repeat after a lost reply is replayed, not redone."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fault_of(body: Any) -> Mapping[str, Any] | None:
    fault = body.get("Fault") if isinstance(body, Mapping) else None
    return fault if isinstance(fault, Mapping) else None


def fault_error(fault: Mapping[str, Any], status: int | None = None) -> PackageError:
    """A Fault as the port's error, in QuickBooks' own words (its message and detail, its code)."""
    errors = [e for e in fault.get("Error", []) if isinstance(e, Mapping)]
    codes = {str(e.get("code", "")) for e in errors}
    problems = tuple(
        Problem(
            f"{e.get('Message', '')} ({e.get('code', '')}): {e.get('Detail', '')}".strip(),
            field=str(e.get("element") or ""),
        )
        for e in errors
    ) or (Problem(f"QuickBooks answered a {fault.get('type', 'Fault')} without errors"),)
    if "3001" in codes or str(fault.get("type", "")).lower().startswith("throttl"):
        return RateLimited("QuickBooks' request limit was reached", retry_after=THROTTLE_WAIT)
    if codes & {"6190", "120"}:
        return ReconnectNeeded(f"QuickBooks refused the company: {problems[0]}; reconnect QuickBooks")
    if STALE in codes:
        return StaleObject(problems, status=status)
    return Rejected(problems, status=status)


class QuickBooksReader:
    """What only QuickBooks knows about its replies."""

    def problems(self, response: httpx.Response) -> tuple[Problem, ...]:
        try:
            fault = fault_of(response.json())
        except ValueError:
            fault = None
        if fault is not None:
            error = fault_error(fault)
            if isinstance(error, Rejected):
                return error.problems
        return (Problem(f"QuickBooks answered {response.status_code}: {response.text[:200]}"),)

    def rate_limit(self, response: httpx.Response) -> tuple[float | None, RateLimitScope]:
        return None, "minute"  # it names no wait: the client waits THROTTLE_WAIT of QuickBooks' clock

    def limit_report(self, response: httpx.Response) -> LimitReport | None:
        return None  # QuickBooks publishes no quota headers

    def request_id(self, response: httpx.Response) -> str:
        return str(response.headers.get("intuit_tid", ""))

    def special_error(self, response: httpx.Response) -> PackageError | None:
        """A refusal's Fault as the port's error; an expired token, a throttle and a server error are
        left to the HTTP layer (refresh once, wait a minute, retry or report uncertain)."""
        status = response.status_code
        if status in (401, 429) or status >= 500:
            return None
        try:
            fault = fault_of(response.json())
        except ValueError:
            fault = None
        if fault is None:
            return (
                ReconnectNeeded("QuickBooks refused access to the company; reconnect")
                if status == 403
                else None
            )
        error = fault_error(fault, status=status)
        if status == 403 and isinstance(error, Rejected):
            return ReconnectNeeded(f"QuickBooks refused access to the company: {error}; reconnect QuickBooks")
        return error


class QuickBooksClient:
    """Requests for one company (the connection's realm)."""

    def __init__(self, context: ConnectionContext) -> None:
        self.realm = context.business_id
        self.context = context
        self.http = PackageHttp(
            context,
            base_url=f"{context.settings.api_url.rstrip('/')}/{self.realm}",
            reader=QuickBooksReader(),
            unsaid_wait=THROTTLE_WAIT,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    @staticmethod
    def _body(response: httpx.Response) -> Any:
        body = response.json()
        fault = fault_of(body)
        if fault is not None:  # a Fault inside a 200
            raise fault_error(fault, status=response.status_code)
        return body

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        response = await self.http.request(
            "GET", path, params={**(params or {}), "minorversion": MINOR_VERSION}
        )
        return self._body(response)

    async def read(self, entity: str, key: str) -> dict[str, Any]:
        body = await self.get(f"/{entity.lower()}/{key}")
        return dict(body[entity])

    async def write(self, entity: str, payload: Mapping[str, Any], *, operation: str = "") -> dict[str, Any]:
        params = {
            "minorversion": MINOR_VERSION,
            "requestid": request_id([entity, operation, payload], length=50),
        }
        if operation:
            params["operation"] = operation
        response = await self.http.request(
            "POST", f"/{entity.lower()}", params=params, json=payload, write=True
        )
        return dict(self._body(response)[entity])

    async def query(self, statement: str) -> AsyncIterator[dict[str, Any]]:
        """Every record the statement selects, page after page until a short one."""
        start = 1
        entity = statement.split()[3]
        while True:
            body = await self.get(
                "/query", {"query": f"{statement} STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"}
            )
            page = body.get("QueryResponse", {}).get(entity, [])
            for record in page:
                yield record
            if len(page) < PAGE_SIZE:
                return
            start += PAGE_SIZE

    async def batch(self, operations: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
        """Send operations (each with its bId) in one batch; each answer by its bId."""
        payload = {"BatchItemRequest": list(operations)}
        params = {"minorversion": MINOR_VERSION, "requestid": request_id(payload, length=36)}
        response = await self.http.request(
            "POST", "/batch", params=params, json=payload, write=True, kind=BATCH
        )
        body = self._body(response)
        return {str(item.get("bId")): item for item in body.get("BatchItemResponse", [])}
