"""Refusals that can always be written down: what a request sent is echoed back only as JSON can carry it.

A validation error repeats the value it refused. JSON parsed leniently holds values JSON cannot write
(`NaN`, `Infinity`, `1e400` read as a float's infinity) and text UTF-8 cannot (a lone surrogate sent as
`"\\ud800"`): echoed as they are, the refusal itself would fail, and a bad request would answer 500.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def printable(value: Any) -> Any:
    """`value` with every part JSON and UTF-8 can carry: odd numbers and broken text as words."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, bool | int | None):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {printable(str(key)): printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return printable(str(value))
