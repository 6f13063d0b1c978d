"""Xero's side of the shared HTTP layer: how Xero words its errors and its rate limits."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerlink.errors import PackageError, Problem, RateLimitScope, ReconnectNeeded
from ledgerlink.packages.connection import ConnectionContext, LimitReport
from ledgerlink.packages.http import PackageHttp, retry_after_seconds

PROBLEM_SCOPES: dict[str, RateLimitScope] = {
    "minute": "minute",
    "day": "day",
    "daily": "day",
    "appminute": "app",
    "app": "app",
    "concurrent": "concurrency",
    "concurrency": "concurrency",
}


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def element_problems(element: dict[str, Any]) -> tuple[Problem, ...]:
    return tuple(
        Problem(str(error.get("Message", "")))
        for error in element.get("ValidationErrors") or ()
        if isinstance(error, dict)
    )


class XeroReader:
    """Reads Xero's replies for `PackageHttp`."""

    def problems(self, response: httpx.Response) -> tuple[Problem, ...]:
        body = _json(response)
        if isinstance(body, dict):
            found: list[Problem] = []
            for element in body.get("Elements") or ():
                if isinstance(element, dict):
                    found.extend(element_problems(element))
            if found:
                return tuple(found)
            message = body.get("Message") or body.get("Detail") or body.get("Title")
            if message:
                return (Problem(str(message)),)
        text = response.text.strip()
        return (Problem(text[:500] or f"Xero answered {response.status_code}"),)

    def rate_limit(self, response: httpx.Response) -> tuple[float | None, RateLimitScope]:
        problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
        return retry_after_seconds(response), PROBLEM_SCOPES.get(problem, "minute")

    def limit_report(self, response: httpx.Response) -> LimitReport | None:
        report = LimitReport(
            minute_remaining=_int_header(response, "X-MinLimit-Remaining"),
            day_remaining=_int_header(response, "X-DayLimit-Remaining"),
            app_minute_remaining=_int_header(response, "X-AppMinLimit-Remaining"),
        )
        return None if report == LimitReport() else report

    def request_id(self, response: httpx.Response) -> str:
        return str(response.headers.get("Xero-Correlation-Id", "") or response.headers.get("Request-Id", ""))

    def special_error(self, response: httpx.Response) -> PackageError | None:
        if response.status_code == 403:
            detail = " ".join(str(p) for p in self.problems(response))
            return ReconnectNeeded(
                "Xero refused access to this organisation (disconnected, or a permission is missing): "
                f"{detail}. Reconnect Xero."
            )
        return None


def xero_http(context: ConnectionContext) -> PackageHttp:
    """The HTTP client for one Xero organisation: its tenant id goes on every call."""
    return PackageHttp(
        context,
        base_url=context.settings.api_url,
        reader=XeroReader(),
        headers={"xero-tenant-id": context.business_id},
    )
