"""A send reads its outbox a chunk at a time: the first entries after the last one read, in the order
they were made, whatever mix of states they are in, and without reading the rest of the step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import RecordKind
from ledgerlink.store import Store
from tests.integration.store.test_outbox_transitions import connected

W, B = EntryState.WAITING, EntryState.BLOCKED


def test_a_chunk_is_the_next_entries_in_the_order_made_whatever_their_states(any_store: Store) -> None:
    connection = connected(any_store, 30)
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        ids = [entry.id for entry in outbox.in_states([W])]
        outbox.set_state(ids[::3], B)  # every third waits for something
        uow.commit()

    with any_store.unit_of_work() as uow:
        chunk = uow.outbox(connection).in_states(
            [W, B], kind=RecordKind.CUSTOMER, step=Step.CREATE, after_id=ids[4], limit=10
        )

    assert [entry.id for entry in chunk] == ids[5:15]
    assert [entry.state for entry in chunk] == [B if ids.index(e.id) % 3 == 0 else W for e in chunk]


def test_a_chunk_is_read_off_the_index_without_sorting_the_step(sqlite_store: Store) -> None:
    """SQLite shows its plan plainly: a chunk of several states read as one query sorted every entry
    of the step after the last one read, for every chunk of a send."""
    connection = connected(sqlite_store, 5)
    statements: list[tuple[str, Any]] = []

    def noted(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT") and "outbox_entries" in statement:
            statements.append((statement, parameters))

    event.listen(sqlite_store.engine, "before_cursor_execute", noted)
    try:
        with sqlite_store.unit_of_work() as uow:
            uow.outbox(connection).in_states([W, B], kind=RecordKind.CUSTOMER, step=Step.CREATE, limit=2)
    finally:
        event.remove(sqlite_store.engine, "before_cursor_execute", noted)

    assert statements
    with sqlite_store.engine.connect() as database:
        for statement, parameters in statements:
            plan = database.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = " / ".join(row[-1] for row in plan)
            assert "TEMP B-TREE" not in details, details
            assert "ix_outbox_entries_connection_id_state_record_kind_step" in details, details


@pytest.mark.parametrize("limit", [1, 4, 100])
def test_a_chunk_holds_at_most_its_limit(sqlite_store: Store, limit: int) -> None:
    connection = connected(sqlite_store, 6)
    with sqlite_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        ids = [entry.id for entry in outbox.in_states([W])]
        outbox.set_state(ids[:3], B)
        chunk = outbox.in_states([W, B], kind=RecordKind.CUSTOMER, step=Step.CREATE, limit=limit)

    assert [entry.id for entry in chunk] == ids[:limit]
