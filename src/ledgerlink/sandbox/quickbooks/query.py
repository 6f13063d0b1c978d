"""The subset of QuickBooks' query language the sandbox answers, and a clear refusal for the rest.

    SELECT * | COUNT(*) FROM <Entity> [WHERE a op v AND ...] [ORDERBY f [ASC|DESC]]
    [STARTPOSITION n] [MAXRESULTS m]

Only AND joins conditions; operators are =, <, >, <=, >=, IN and LIKE (with % only). STARTPOSITION is
1-based, MAXRESULTS defaults to 100 and may not pass 1000. Dotted fields (`MetaData.LastUpdatedTime`)
reach into nested elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerlink.sandbox.quickbooks.errors import query_error

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100

_STATEMENT = re.compile(
    r"^\s*select\s+(?P<what>\*|count\(\*\))\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+orderby\s+(?P<order>[\w.]+)(?:\s+(?P<dir>asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_VALUE = r"'(?:\\'|[^'])*'|[\w.:+-]+"
_CONDITION = re.compile(
    rf"^\s*(?P<field>[\w.]+)\s*(?P<op><=|>=|=|<|>|\bin\b|\blike\b)\s*(?P<value>\((?:\s*(?:{_VALUE})\s*,?)+\)|{_VALUE})\s*$",
    re.IGNORECASE,
)
_SPLIT_AND = re.compile(r"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    entity: str
    count: bool
    conditions: tuple[Condition, ...]
    order: str | None
    descending: bool
    start: int
    max_results: int


def _literal(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith("'") and raw.endswith("'"):
        return raw[1:-1].replace("\\'", "'")
    return raw


def parse(text: str) -> Query:
    """The statement as a `Query`, or a 4000 Fault naming what is outside the subset."""
    found = _STATEMENT.match(text)
    if found is None:
        if re.search(r"\b(or|join|group\s+by)\b", text, re.IGNORECASE):
            raise query_error("OR, JOIN and GROUP BY are not supported")
        raise query_error(f"cannot parse the statement: {text!r}")
    conditions: list[Condition] = []
    where = found["where"]
    if where:
        if re.search(r"\sor\s(?=(?:[^']*'[^']*')*[^']*$)", where, re.IGNORECASE):
            raise query_error("OR is not supported")
        for part in _SPLIT_AND.split(where):
            condition = _CONDITION.match(part)
            if condition is None:
                raise query_error(f"cannot parse the condition: {part.strip()!r}")
            op = condition["op"].lower()
            raw = condition["value"]
            values = (
                tuple(_literal(v) for v in re.findall(_VALUE, raw[1:-1])) if op == "in" else (_literal(raw),)
            )
            conditions.append(Condition(condition["field"], op, values))
    max_results = int(found["max"]) if found["max"] else DEFAULT_RESULTS
    if max_results > MAX_RESULTS:
        raise query_error(f"MAXRESULTS may not exceed {MAX_RESULTS}")
    start = int(found["start"]) if found["start"] else 1
    if start < 1:
        raise query_error("STARTPOSITION starts at 1")
    return Query(
        entity=found["entity"],
        count=found["what"].lower() != "*",
        conditions=tuple(conditions),
        order=found["order"],
        descending=(found["dir"] or "").lower() == "desc",
        start=start,
        max_results=max_results,
    )


def _field(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if isinstance(value, dict) and part == "value" and "value" in value:
            value = value["value"]
        elif isinstance(value, dict):
            value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
        else:
            return None
        if value is None:
            return None
    if isinstance(value, dict) and "value" in value:  # a reference compares by its Id
        value = value["value"]
    return value


def _compare(held: Any, op: str, wanted: str) -> bool:
    if held is None:
        return False
    if isinstance(held, bool):
        held_text = "true" if held else "false"
        return op == "=" and held_text == wanted.lower()
    try:
        left: Any = Decimal(str(held))
        right: Any = Decimal(wanted)
    except InvalidOperation:
        left, right = str(held).lower(), wanted.lower()
    if op == "=":
        return bool(left == right)
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    if op == ">=":
        return bool(left >= right)
    if op == "like":
        pattern = "^" + ".*".join(re.escape(p) for p in wanted.lower().split("%")) + "$"
        return re.match(pattern, str(held).lower()) is not None
    raise query_error(f"operator {op!r} is not supported")


def matches(record: dict[str, Any], conditions: tuple[Condition, ...]) -> bool:
    for condition in conditions:
        held = _field(record, condition.field)
        if condition.op == "in":
            if not any(_compare(held, "=", value) for value in condition.values):
                return False
        elif not _compare(held, condition.op, condition.values[0]):
            return False
    return True


def run(query: Query, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The `QueryResponse` body: the page's records under the entity's name, or `{}` when none."""
    found = [r for r in records if matches(r, query.conditions)]
    if query.count:
        return {"totalCount": len(found)}
    if query.order:
        order = query.order

        def key(record: dict[str, Any]) -> tuple[int, Any]:
            value = _field(record, order)
            try:
                return (0, Decimal(str(value)))
            except InvalidOperation:
                return (1, str(value))

        found.sort(key=key, reverse=query.descending)
    else:
        found.sort(key=lambda r: int(r["Id"]))
    page = found[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}
