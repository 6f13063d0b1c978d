"""What the sandbox reads of a JSON-RPC body: the method, the call's id, and whether it writes."""

from __future__ import annotations

import json
from typing import Any

# The last word of the model methods that only read; any other call may change the books.
READS = frozenset(
    {
        "search",
        "search_read",
        "search_count",
        "read",
        "fields_get",
        "default_get",
        "get_preferences",
        "login",
        "version",
        "list",
    }
)


def rpc_method(body: bytes) -> tuple[str, Any]:
    """The method a JSON-RPC body calls and its id ("" when the body is not a call)."""
    try:
        call = json.loads(body or b"{}")
    except ValueError:
        return "", None
    if not isinstance(call, dict):
        return "", None
    return str(call.get("method") or ""), call.get("id")


def is_write(body: bytes) -> bool:
    method, _ = rpc_method(body)
    return bool(method) and method.rsplit(".", 1)[-1] not in READS
