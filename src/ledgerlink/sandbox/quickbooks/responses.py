"""QuickBooks' reply shapes: the entity under its own name, `QueryResponse`, `BatchItemResponse` and
`Fault`, each with the server's `time`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

from ledgerlink.sandbox.quickbooks.errors import QuickBooksFault


def fault_body(error: QuickBooksFault) -> dict[str, Any]:
    return {
        "Error": [
            {"Message": e.message, "Detail": e.detail, "code": e.code, "element": e.element}
            for e in error.errors
        ],
        "type": error.fault_type,
    }


def envelope(body: dict[str, Any], now: str) -> dict[str, Any]:
    return {**body, "time": now}


def fault_response(
    error: QuickBooksFault, now: str, *, headers: Mapping[str, str] | None = None, status: int | None = None
) -> JSONResponse:
    """A Fault reply; `status` 200 sends it inside a success, as QuickBooks sometimes does."""
    return JSONResponse(
        envelope({"Fault": fault_body(error)}, now),
        status_code=error.status if status is None else status,
        headers=dict(headers or {}),
    )


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")
