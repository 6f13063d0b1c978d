"""Xero's list parameters: the `where` expressions, `order`, `If-Modified-Since`, and paging.

`where` is a small expression language (`Status=="AUTHORISED" AND Contact.ContactID==guid("...")`); the
sandbox understands the forms connectors use: comparisons joined by AND or OR, with strings, guids,
numbers, booleans, `null` and DateTime(y,m,d) values, a field lowered or raised first
(`Name.ToLower()=="alpha ltd"`), and the `.Contains()` / `.StartsWith()` / `.EndsWith()` string
methods. Strings compare as Xero compares them, case and all (`Name=="alpha ltd"` does not find
"Alpha Ltd"); guids compare whatever their case. Anything else is refused as Xero refuses it, not
silently ignored.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink.sandbox.xero.bodies import MS_DATE
from ledgerlink.sandbox.xero.errors import BadFilter, BodyInvalid

Predicate = Callable[[dict[str, Any]], bool]

_VALUE = (
    r'(?:"(?P<s>(?:[^"\\]|\\.)*)"|guid\("(?P<g>[^"]*)"\)|DateTime\((?P<d>[\d,\s]+)\)'
    r"|(?P<n>-?\d+(?:\.\d+)?)|(?P<b>true|false)|(?P<null>null))"
)
_COMPARISON = re.compile(
    rf"^\s*(?P<path>[A-Za-z][\w.]*?)(?:\.(?P<fn>ToLower|ToUpper)\(\))?\s*(?P<op>==|!=|>=|<=|>|<)\s*{_VALUE}\s*$",
    re.IGNORECASE,
)
_METHOD = re.compile(
    r'^\s*(?P<path>[A-Za-z][\w.]*)\.(?P<method>Contains|StartsWith|EndsWith)\("(?P<s>[^"]*)"\)\s*$',
    re.IGNORECASE,
)
_SPLIT_AND = re.compile(r"\s+AND\s+|\s*&&\s*", re.IGNORECASE)
_SPLIT_OR = re.compile(r"\s+OR\s+|\s*\|\|\s*", re.IGNORECASE)


def _lookup(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        matched = next((key for key in value if key.lower() == part.lower()), None)
        value = value.get(matched) if matched is not None else None
    return value


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        match = MS_DATE.match(value)
        if match:
            return (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(match.group(1)))).date()
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None:
        return op == "!=" and right is not None
    try:
        if op == "==":
            return bool(left == right)
        if op == "!=":
            return bool(left != right)
        if op == ">":
            return bool(left > right)
        if op == "<":
            return bool(left < right)
        if op == ">=":
            return bool(left >= right)
        return bool(left <= right)
    except TypeError:
        return False


def _clause(text: str) -> Predicate:
    method = _METHOD.match(text)
    if method:
        path, name, needle = (
            method.group("path"),
            method.group("method").lower(),
            method.group("s").casefold(),
        )

        def contains(record: dict[str, Any]) -> bool:
            value = _lookup(record, path)
            if not isinstance(value, str):
                return False
            hay = value.casefold()
            return (
                needle in hay
                if name == "contains"
                else hay.startswith(needle)
                if name == "startswith"
                else hay.endswith(needle)
            )

        return contains
    match = _COMPARISON.match(text)
    if not match:
        raise BadFilter(f"Unable to parse the where clause: {text}")
    path, op, fn = match.group("path"), match.group("op"), (match.group("fn") or "").lower()
    groups = match.groupdict()
    if groups["null"] is not None and op not in ("==", "!="):
        raise BadFilter(f"Unable to parse the where clause: {text}")

    def predicate(record: dict[str, Any]) -> bool:
        value = _lookup(record, path)
        if groups["null"] is not None:  # a field Xero holds nothing in is written out as "" at times
            return (value is None or value == "") == (op == "==")
        if fn:
            if not isinstance(value, str):  # a method on a missing field: Xero fails, the record is left out
                return False
            value = value.lower() if fn == "tolower" else value.upper()
        if groups["g"] is not None:
            return _compare(value.casefold() if isinstance(value, str) else value, op, groups["g"].casefold())
        if groups["s"] is not None:
            return _compare(value, op, _unescape(groups["s"]))
        if groups["d"] is not None:
            parts = [int(p) for p in groups["d"].split(",")[:3]]
            return _compare(_as_date(value), op, dt.date(*parts))
        if groups["b"] is not None:
            return _compare(value, op, groups["b"].lower() == "true")
        try:
            number = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        return _compare(number, op, Decimal(groups["n"]))

    return predicate


def _unescape(text: str) -> str:
    """A string literal's text: `\\"` is a quote, `\\\\` a backslash."""
    return re.sub(r"\\(.)", r"\1", text)


def equals(expression: str, path: str) -> str | None:
    """The value `path` must equal in an AND-only `where` (a string or guid), if it says so; else None.

    Lets a handler narrow a large list through an index before the full filter runs.
    """
    if not expression or _SPLIT_OR.search(expression):
        return None
    for clause in _SPLIT_AND.split(expression.strip()):
        match = _COMPARISON.match(clause)
        if match and match.group("op") == "==" and match.group("path").lower() == path.lower():
            value = _unescape(match.group("s")) if match.group("s") is not None else match.group("g")
            if value is not None:
                return value
    return None


def where(expression: str) -> Predicate:
    """A predicate over a record as Xero serialises it."""
    alternatives = [
        [_clause(c) for c in _SPLIT_AND.split(part)] for part in _SPLIT_OR.split(expression.strip())
    ]
    return lambda record: any(all(c(record) for c in clauses) for clauses in alternatives)


def modified_since(header: str) -> dt.datetime | None:
    """`If-Modified-Since` as an aware UTC datetime: ISO 8601 or the HTTP date form."""
    text = header.strip()
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def page_of(items: list[Any], page: int, page_size: int) -> tuple[list[Any], dict[str, int]]:
    count = len(items)
    start = (page - 1) * page_size
    pages = (count + page_size - 1) // page_size
    return items[start : start + page_size], {
        "page": page,
        "pageSize": page_size,
        "pageCount": pages,
        "itemCount": count,
    }


def listing(
    params: Mapping[str, str],
    items: list[Any],
    serialise: Callable[[Any], dict[str, Any]],
    *,
    paged: bool,
    default_page_size: int,
    max_page_size: int,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Filter (`where`), order and page; the records as Xero writes them, and the reply's `pagination`.

    Without `where` or `order` only the page asked for is serialised.
    """
    where_text, order = params.get("where"), params.get("order")
    records: list[Any] = items
    serialised = False
    if where_text or order:
        records, serialised = [serialise(item) for item in items], True
    if where_text:
        predicate = where(where_text)
        records = [r for r in records if predicate(r)]
    if order:
        field_name, _, direction = order.strip().partition(" ")
        records.sort(key=lambda r: str(r.get(field_name, "")), reverse=direction.upper() == "DESC")
    extra: dict[str, Any] = {}
    if paged and params.get("page"):
        try:
            page = max(int(params["page"]), 1)
            size = min(max(int(params.get("pageSize") or default_page_size), 1), max_page_size)
        except ValueError as error:
            raise BodyInvalid("page and pageSize must be whole numbers") from error
        records, pagination = page_of(records, page, size)
        extra["pagination"] = pagination
    if not serialised:
        records = [serialise(item) for item in records]
    return records, extra
