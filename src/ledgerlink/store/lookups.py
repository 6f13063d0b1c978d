"""Looking rows up by a list of values, written the way each database plans and caches best.

PostgreSQL takes the list as one array, `= ANY(%s)`: the statement's text then no longer depends on
how many values there are, so SQLAlchemy compiles it once and psycopg converts it once, instead of
parsing a fresh statement of a thousand placeholders for each chunk of a send (most of a worker's own
time, before). SQLite takes it as one JSON array it unpacks itself, `IN (SELECT value FROM
json_each(?))`, for the same reason: SQLAlchemy renders an IN of 500 parameters anew for each list,
which cost more than SQLite's lookup of the 500 through the index. Built by hand, straight to the
driver (`select_in`), a statement of many placeholders costs nothing to render, and stays.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Connection, String, any_, bindparam, func, select
from sqlalchemy.orm import QueryableAttribute

Kind = TypeVar("Kind")


def any_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any], dialect: str
) -> ColumnElement[bool]:
    """`column` is one of `values` (on SQLite, numbers or text: what JSON holds as SQLite does)."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    if dialect == "sqlite":
        listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String))
        return column.in_(select(listed.table_valued("value").c.value))
    return column.in_(values)


def mark(connection: Connection) -> str:
    """The driver's parameter mark."""
    return "?" if connection.dialect.name == "sqlite" else "%s"


def select_in(
    connection: Connection, sql: str, leading: tuple[Any, ...], values: Sequence[Any]
) -> Sequence[Any]:
    """`sql` ending `... column`, completed with "is one of `values`", straight to the driver: building
    an IN of 2,000 values through SQLAlchemy costs more than the lookup. `{0}` in `sql` marks a parameter."""
    parameter = mark(connection)
    if connection.dialect.name == "postgresql":
        statement = f"{sql.format(parameter)} = ANY({parameter})"
        return connection.exec_driver_sql(statement, (*leading, list(values))).fetchall()
    statement = f"{sql.format(parameter)} IN ({', '.join([parameter] * len(values))})"
    return connection.exec_driver_sql(statement, (*leading, *values)).fetchall()


def by_kind(keys: Iterable[tuple[Kind, str]], chunk_size: int) -> Iterator[tuple[Kind, list[str]]]:
    """Each kind's source ids among `keys`, without repeats, at most `chunk_size` at a time: a lookup
    of one kind at a time walks the (kind, source id) index, where a list of pairs would not."""
    grouped: dict[Kind, dict[str, None]] = {}
    for kind, source_id in keys:
        grouped.setdefault(kind, {})[source_id] = None
    for kind, source_ids in grouped.items():
        ordered = list(source_ids)
        for start in range(0, len(ordered), chunk_size):
            yield kind, ordered[start : start + chunk_size]
