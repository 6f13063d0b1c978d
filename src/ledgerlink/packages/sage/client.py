"""Talking to Sage v3.1: the business header, paging on `$next`, and Sage's error array read for the
shared HTTP layer (`ledgerlink.packages.http`), which does tokens, pacing and retries for every package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from ledgerlink.errors import (
    FeatureUnavailable,
    PackageError,
    Problem,
    RateLimitScope,
    ReconnectNeeded,
)
from ledgerlink.packages.connection import ConnectionContext, LimitReport
from ledgerlink.packages.http import PackageHttp, reply_json, retry_after_seconds

PAGE_SIZE = 200  # Sage's largest page


class BusinessMismatch(ReconnectNeeded):
    """Sage answered for another business than the connection's: nothing more may be sent until a
    person reconnects and chooses the business again (the connection stops; no record fails)."""


def diagnoses(response: httpx.Response) -> list[Mapping[str, Any]]:
    """Sage's `[{"$severity", "$dataCode", "$message", "$source"}]`, tolerating a lone object."""
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, Mapping):
        body = body.get("$diagnoses", [body])
    return [item for item in body if isinstance(item, Mapping)] if isinstance(body, list) else []


class SageReader:
    """What only Sage knows about its replies."""

    def problems(self, response: httpx.Response) -> tuple[Problem, ...]:
        found = tuple(
            Problem(
                str(item.get("$message") or item.get("message") or ""), field=str(item.get("$source") or "")
            )
            for item in diagnoses(response)
        )
        return found or (Problem(f"Sage answered {response.status_code}: {response.text[:200]}"),)

    def rate_limit(self, response: httpx.Response) -> tuple[float | None, RateLimitScope]:
        return retry_after_seconds(response), "minute"

    def limit_report(self, response: httpx.Response) -> LimitReport | None:
        return None  # Sage publishes no limit headers

    def request_id(self, response: httpx.Response) -> str:
        return str(response.headers.get("x-request-id", ""))

    def special_error(self, response: httpx.Response) -> PackageError | None:
        status = response.status_code
        if status not in (401, 403):
            return None
        items = diagnoses(response)
        codes = {str(item.get("$dataCode", "")) for item in items}
        text = " ".join(str(item.get("$message", "")) for item in items).lower()
        if status == 403 and ("FeatureNotAvailable" in codes or "not available" in text):
            return FeatureUnavailable(
                "this Sage subscription does not offer the operation; do it in Sage or upgrade the plan"
                + (f" ({text})" if text else "")
            )
        if "subscription" in text:
            return ReconnectNeeded(f"Sage refused the business: {text}; renew the plan, then reconnect")
        if "business" in text and "denied" in text:
            return ReconnectNeeded(
                f"Sage refused access to the business: {text}; reconnect and choose it again"
            )
        if status == 403:
            return ReconnectNeeded(f"the Sage user lacks a permission this needs: {text or 'forbidden'}")
        return None  # an expired token: the HTTP layer refreshes once and retries once


class SageClient:
    """Requests for one connection, always naming its business and checking Sage's echo of it."""

    def __init__(self, context: ConnectionContext) -> None:
        self.business_id = context.business_id
        self.http = PackageHttp(
            context,
            base_url=context.settings.api_url,
            reader=SageReader(),
            headers={"X-Business": context.business_id},
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    def _checked(self, response: httpx.Response) -> httpx.Response:
        echoed = response.headers.get("X-Business")
        if echoed and echoed != self.business_id:
            raise BusinessMismatch(
                f"Sage answered for business {echoed}, not the connection's {self.business_id}: "
                "sending stopped; reconnect and choose the business again"
            )
        return response

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return reply_json(self._checked(await self.http.request("GET", path, params=params)))

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        return reply_json(self._checked(await self.http.request("POST", path, json=body)))

    async def put(self, path: str, body: Mapping[str, Any]) -> Any:
        return reply_json(self._checked(await self.http.request("PUT", path, json=body)))

    async def delete(self, path: str, params: Mapping[str, Any] | None = None) -> None:
        self._checked(await self.http.request("DELETE", path, params=params))

    async def items(self, path: str, params: Mapping[str, Any] | None = None) -> AsyncIterator[Any]:
        """Every item of a list, following `$next` until it is null (a page past the end repeats the last)."""
        query: Mapping[str, Any] | None = {"items_per_page": PAGE_SIZE, "attributes": "all", **(params or {})}
        next_path: str | None = path
        seen_pages: set[str] = set()
        while next_path is not None:
            page = await self.get(next_path, query)
            query = None  # $next carries the whole query
            for item in page.get("$items", []):
                yield item
            next_path = page.get("$next")
            if next_path is not None:
                if next_path in seen_pages:  # a misbehaving server must not loop us forever
                    break
                seen_pages.add(next_path)
