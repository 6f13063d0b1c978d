"""Many rows through one statement, straight to the driver.

A send writes a few statements for hundreds of rows at a time (entries made, marked on their way, their
outcomes, the attempts). Executed for many rows, SQLAlchemy works out each row's parameters anew, and
that costs several times what the database does with the row. Here a statement is compiled once for its
dialect, each value goes through its column type's own conversion (so what is written reads back as
through SQLAlchemy), and the rows go to the driver's executemany; on PostgreSQL an insert of many
rows goes to COPY, and an update of many rows as one statement over arrays (`update_from_arrays`).
"""

from __future__ import annotations

import builtins
import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import psycopg
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Delete,
    Table,
    Update,
    and_,
    any_,
    bindparam,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.sql.selectable import TableValuedAlias

from ledgerlink.store.lookups import mark

Convert = Callable[[Any], Any]

COPY_FROM = 100  # rows: fewer go to PostgreSQL as an executemany
# values rows often share, converted once for them all: moments (equal ones are one instant, and
# convert alike); not amounts, where 1.0 equals 1.00 but is kept as written
SHARED_VALUES = (datetime, date)


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: builtins.list[tuple[Any, ...]]
) -> None:
    """Rows whose values are already as the driver takes them, in `columns`' order.

    SQLite takes one executemany. PostgreSQL takes many rows as a COPY, several times quicker than an
    INSERT a row, however pipelined (psycopg is the only PostgreSQL driver the store opens); but a COPY
    waits for the server twice where psycopg's pipelined executemany waits once, so a few rows (a
    group's attempts while the package answers one record a call) go as an executemany.
    """
    if not rows:
        return
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column) for column in columns)
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        cursor = cast("psycopg.Cursor[Any]", connection.connection.cursor())
        statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as error:
            # the driver's own error, as SQLAlchemy raises it for every other statement: a caller
            # retrying a unit of work another one raced to the same key sees one kind of error
            raise IntegrityError(statement, None, error) from error
        return
    marks = ", ".join(mark(connection) for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", rows)


def insert_many(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows of column -> value, every row naming the same columns; a column left out takes its plain
    default (a callable default must be given: it would differ row by row)."""
    if not rows:
        return
    named = tuple(rows[0])
    columns, converts, defaults = _insert_plan(table, named, connection.dialect)
    # most columns need no conversion: a row's values are taken in one go, and only those that do
    # (moments, amounts, as the dialect keeps them) pass through theirs, once for each moment the rows
    # share (a group's rows are made at one moment)
    values_of = operator.itemgetter(*named) if len(named) > 1 else lambda row: (row[named[0]],)
    converting = [(index, convert) for index, convert in enumerate(converts) if convert is not None]
    converted: dict[tuple[Any, Any], Any] = {}
    encoded: list[tuple[Any, ...]] = []
    for row in rows:
        values = [*values_of(row), *defaults]
        for index, convert in converting:
            values[index] = _converted(values[index], convert, index, converted)
        encoded.append(tuple(values))
    insert_rows(connection, table, columns, encoded)


def _converted(value: Any, convert: Convert, column: Any, seen: dict[tuple[Any, Any], Any]) -> Any:
    """`value` as the driver takes it; one of SHARED_VALUES converted once for each column that holds
    it, kept in `seen`."""
    if value is None:
        return None
    if not isinstance(value, SHARED_VALUES):
        return convert(value)
    key = (column, value)
    if key not in seen:
        seen[key] = convert(value)
    return seen[key]


def execute_many(
    connection: Connection, statement: Update | Delete, rows: Sequence[Mapping[str, Any]]
) -> int:
    """`statement` (its parameters bound by name) once for each row; answers the rows it changed in
    all, as the driver counts them across an executemany.

    As in `insert_many`, a moment the rows share (a group's rows are written at one moment) is
    converted once for them all."""
    if not rows:
        return 0
    plan = _statement_plan(statement, connection.dialect)
    converted: dict[tuple[Any, Any], Any] = {}
    encoded: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(plan.fixed)
        for index, name in plan.taken:
            values[index] = row[name]
        for index, convert in plan.converting:
            values[index] = _converted(values[index], convert, index, converted)
        encoded.append(tuple(values))  # SQLAlchemy hands the driver tuples, never lists
    if plan.positional:
        parameters: list[Any] = encoded
    else:
        parameters = [dict(zip(plan.names, values, strict=True)) for values in encoded]
    return int(connection.exec_driver_sql(plan.sql, parameters).rowcount)


def unnested(columns: Sequence[ColumnClause[Any]]) -> TableValuedAlias:
    """A table named `new` whose rows are one array parameter for each of `columns` (`column(name,
    type)`, named and typed as the arrays' elements), taken side by side: on PostgreSQL an UPDATE
    whose WHERE matches its rows changes them all in one statement, its work on the server's side,
    where an executemany of one row a statement asks the driver to send, and the interpreter to turn
    back to it, for every row."""
    arrays = [bindparam(each.name, type_=ARRAY(each.type)) for each in columns]
    return func.unnest(*arrays).table_valued(*columns).render_derived(name="new")


def matched(key: ColumnElement[Any], new: TableValuedAlias, name: str) -> ColumnElement[bool]:
    """`key` is the `name` column of `new`, and so one of that array's values. The second is for the
    planner: given only the first, it may read every row of a large table into a hash join to match
    the few hundred the array names; given both, it looks each up by the key's index."""
    return and_(key == new.c[name], key == any_(bindparam(name, type_=ARRAY(key.type))))


def update_from_arrays(
    connection: Connection,
    statement: Update,
    rows: Sequence[Mapping[str, Any]],
    *,
    arrays: Sequence[str],
    shared: Sequence[str],
) -> int:
    """`statement`, built over `unnested`, for all `rows` at once: each name of `arrays` goes as the
    list of the rows' values, each of `shared` as the one value every row gives it. Answers the rows
    it changed.

    The arrays go to psycopg in its binary format: in its text format each element is escaped in
    Python, which for a group's summaries (JSON, full of quotes) cost more than the executemany it
    replaces."""
    if not rows:
        return 0
    sql, converts, fixed = _arrays_plan(statement, connection.dialect, tuple(arrays))
    parameters: dict[str, Any] = dict(fixed)
    converted: dict[tuple[Any, Any], Any] = {}
    for name in arrays:
        convert = converts[name]
        values = [row[name] for row in rows]
        if convert is not None:
            values = [_converted(value, convert, name, converted) for value in values]
        parameters[name] = values
    for name in shared:
        value = rows[0][name]
        if any(row[name] != value for row in rows):
            raise ValueError(f"update_from_arrays: the rows differ in {name}, which they share")
        convert = converts[name]
        parameters[name] = value if convert is None or value is None else convert(value)
    return int(connection.exec_driver_sql(sql, parameters).rowcount)


@functools.lru_cache(maxsize=64)
def _arrays_plan(
    statement: Update, dialect: Dialect, arrays: tuple[str, ...]
) -> tuple[str, dict[str, Convert | None], dict[str, Any]]:
    """The statement's text for psycopg, its arrays marked to go in binary; each parameter's
    conversion (an array's, its elements'); and the values written into the statement (the 1 of
    attempts + 1)."""
    compiled = statement.compile(dialect=dialect)
    if compiled.positional or compiled.post_compile_params:
        raise ValueError("update_from_arrays takes named parameters, on PostgreSQL")
    sql = compiled.string
    converts: dict[str, Convert | None] = {}
    fixed: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        type_ = cast("ARRAY[Any]", bind.type).item_type if name in arrays else bind.type
        converts[name] = convert = _converter(type_, dialect)
        if not bind.required:
            fixed[name] = bind.value if convert is None else convert(bind.value)
    for name in arrays:
        marked = f"%({name})s"
        if marked not in sql:
            raise ValueError(f"update_from_arrays: {name} is not an array of the statement")
        sql = sql.replace(marked, f"%({name})b")
    return sql, converts, fixed


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # in the driver's order where it takes parameters by position
    positional: bool
    fixed: tuple[Any, ...]  # by position: a value written into the statement (the 1 of attempts + 1)
    taken: tuple[tuple[int, str], ...]  # by position: the parameters each row gives
    converting: tuple[tuple[int, Convert], ...]  # those of them a column type converts


@functools.lru_cache(maxsize=256)
def _statement_plan(statement: Update | Delete, dialect: Dialect) -> _Plan:
    compiled = statement.compile(dialect=dialect)
    if compiled.escaped_bind_names or compiled.post_compile_params:
        raise ValueError("execute_many takes plain named parameters, not lists or escaped names")
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else tuple(binds)
    fixed: list[Any] = []
    taken: list[tuple[int, str]] = []
    converting: list[tuple[int, Convert]] = []
    for index, name in enumerate(names):
        bind = binds[name]
        convert = _converter(bind.type, dialect)
        if not bind.required:
            fixed.append(bind.value if convert is None else convert(bind.value))
            continue
        fixed.append(None)
        taken.append((index, name))
        if convert is not None:
            converting.append((index, convert))
    return _Plan(
        sql=compiled.string,
        names=names,
        positional=bool(compiled.positional),
        fixed=tuple(fixed),
        taken=tuple(taken),
        converting=tuple(converting),
    )


@functools.lru_cache(maxsize=64)
def _insert_plan(
    table: Table, named: tuple[str, ...], dialect: Dialect
) -> tuple[tuple[str, ...], tuple[Convert | None, ...], tuple[Any, ...]]:
    """The columns written (those named, then those left to their plain defaults), each column's
    conversion, and the defaults' values."""
    left = [
        (column.name, column.default.arg)
        for column in table.columns
        if column.name not in named and isinstance(column.default, ScalarElementColumnDefault)
    ]
    defaulted = {name for name, _ in left}
    unfilled = [
        column.name
        for column in table.columns
        if column.name not in named and column.default is not None and column.name not in defaulted
    ]
    if unfilled:
        raise ValueError(f"insert_many into {table.name} needs a value for {', '.join(unfilled)}")
    columns = (*named, *(name for name, _ in left))
    converts = tuple(_converter(table.columns[name].type, dialect) for name in columns)
    defaults = tuple(value for _, value in left)
    return columns, converts, defaults


def _converter(type_: Any, dialect: Dialect) -> Convert | None:
    """What SQLAlchemy does to a value of this type before the driver sees it, or None if nothing."""
    return cast("Convert | None", type_.dialect_impl(dialect).bind_processor(dialect))
