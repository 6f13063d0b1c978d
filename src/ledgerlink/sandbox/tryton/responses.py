"""The replies the sandbox gives itself, in Tryton's JSON-RPC shapes; all others are Tryton's own."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response


def result(call_id: Any, value: Any) -> Response:
    return JSONResponse({"id": call_id, "result": value})


def error(call_id: Any, name: str, message: str) -> Response:
    return JSONResponse({"id": call_id, "error": [name, [message]]})


def unavailable(retry_after: str) -> Response:
    """Nothing reached Tryton: a 503, as a server in front of it answers when it is down or busy."""
    return Response("Service Unavailable", status_code=503, headers={"Retry-After": retry_after})
