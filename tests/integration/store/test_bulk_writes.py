"""What a send writes a group of calls at a time goes to the driver in bulk, and reads back exactly as
written: moments in UTC, amounts to the penny, counts moved on, and a row not moved still refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.errors import IllegalTransition
from ledgerlink.store import Store
from ledgerlink.store.bulk import COPY_FROM, insert_many
from ledgerlink.store.connection_tables import OutboxAttemptRow
from tests.integration.store.test_outbox_transitions import connected, entries

BST = timezone(timedelta(hours=1))


def test_outcomes_written_in_bulk_read_back_as_written(any_store: Store) -> None:
    connection = connected(any_store, 3)
    sent_at = datetime(2026, 6, 1, 9, 30, 15, 123456, tzinfo=BST)
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        first, second, third = entries(uow, connection)
        outbox.begin_attempts([([first.id, second.id], "batch-1"), ([third.id], "batch-2")])
        outbox.set_each(
            [
                {
                    "entry_id": first.id,
                    "state": EntryState.SENT.value,
                    "package_id": "P-1",
                    "sent_at": sent_at,
                    "total_difference": Decimal("-0.01"),
                    "sent_summary": '{"gross": "120.00"}',
                },
                {
                    "entry_id": second.id,
                    "state": EntryState.SENT.value,
                    "package_id": "P-2",
                    "sent_at": sent_at,
                    "total_difference": None,
                    "sent_summary": "",
                },
            ]
        )
        outbox.record_attempts(
            [
                {
                    "entry_id": first.id,
                    "operation": "create",
                    "idempotency_key": first.key,
                    "outcome": "created",
                    "status": 201,
                    "request_id": "r-1",
                    "request": "POST /sales_invoices",
                    "detail": "P-1",
                },
                {
                    "entry_id": third.id,
                    "operation": "create",
                    "idempotency_key": third.key,
                    "outcome": "uncertain",
                    "status": None,
                    "request_id": "",
                    "request": "",
                    "detail": "timed out",
                },
            ]
        )
        uow.commit()
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        first, second, third = entries(uow, connection)
        attempts = outbox.attempts(first.id) + outbox.attempts(third.id)
    assert (first.state, first.package_id, first.batch_key, first.attempts) == (
        EntryState.SENT,
        "P-1",
        "batch-1",
        1,
    )
    assert first.sent_at == sent_at
    assert first.sent_at.tzinfo is not None
    assert first.sent_at.astimezone(UTC).hour == 8
    assert first.total_difference == Decimal("-0.01")
    assert first.sent_summary == '{"gross": "120.00"}'
    assert (second.state, second.total_difference, second.batch_key) == (EntryState.SENT, None, "batch-1")
    assert (third.state, third.batch_key, third.attempts) == (EntryState.PROCESSING, "batch-2", 1)
    assert [(a["outcome"], a["status"], a["request"]) for a in attempts] == [
        ("created", 201, "POST /sales_invoices"),
        ("uncertain", None, ""),
    ]
    assert all(a["at"].tzinfo is not None for a in attempts)


def test_a_bulk_move_the_rules_forbid_is_refused_and_nothing_is_kept(any_store: Store) -> None:
    connection = connected(any_store, 2)
    with any_store.unit_of_work() as uow:
        first, second = entries(uow, connection)
        uow.outbox(connection).set_each([{"entry_id": second.id, "state": EntryState.SENT.value}])
        uow.commit()
    with any_store.unit_of_work() as uow, pytest.raises(IllegalTransition):
        uow.outbox(connection).begin_attempts([([first.id, second.id], "batch-1")])
    with any_store.unit_of_work() as uow:
        first, second = entries(uow, connection)
    assert (first.state, first.attempts, second.state) == (EntryState.WAITING, 0, EntryState.SENT)


def test_a_bulk_insert_without_a_moment_the_table_would_stamp_row_by_row_is_refused(any_store: Store) -> None:
    connection = connected(any_store, 1)
    with any_store.unit_of_work() as uow:
        (entry,) = entries(uow, connection)
        row = {
            "entry_id": entry.id,
            "operation": "create",
            "idempotency_key": entry.key,
            "outcome": "created",
        }
        with pytest.raises(ValueError, match="needs a value for at"):
            insert_many(uow.session.connection(), OutboxAttemptRow.__table__, [row])


def test_many_attempts_at_once_are_all_kept_as_written(any_store: Store) -> None:
    """Enough rows that PostgreSQL takes them as a COPY rather than an executemany."""
    connection = connected(any_store, 1)
    with any_store.unit_of_work() as uow:
        (entry,) = entries(uow, connection)
        uow.outbox(connection).record_attempts(
            [
                {
                    "entry_id": entry.id,
                    "operation": "replay",
                    "idempotency_key": entry.key,
                    "outcome": "unavailable",
                    "status": 500 + n % 4,
                    "request_id": f"r-{n}",
                    "request": "POST /Invoices",
                    "detail": "",
                }
                for n in range(COPY_FROM + 50)
            ]
        )
        uow.commit()
    with any_store.unit_of_work() as uow:
        attempts = uow.outbox(connection).attempts(entry.id)
    assert [a["request_id"] for a in attempts] == [f"r-{n}" for n in range(COPY_FROM + 50)]
    assert {a["status"] for a in attempts} == {500, 501, 502, 503}
    assert all(a["at"].tzinfo is not None and a["outcome"] == "unavailable" for a in attempts)


def test_rows_sharing_a_moment_and_rows_with_their_own_each_read_back_as_written(any_store: Store) -> None:
    """A moment many rows share is converted once for them all; each row still keeps its own."""
    connection = connected(any_store, 1)
    shared = datetime(2026, 6, 1, 9, 30, 15, 123456, tzinfo=BST)
    own = [shared + timedelta(microseconds=n) for n in range(1, 4)]
    moments = [shared, own[0], shared, own[1], shared, own[2]]
    with any_store.unit_of_work() as uow:
        (entry,) = entries(uow, connection)
        insert_many(
            uow.session.connection(),
            OutboxAttemptRow.__table__,
            [
                {
                    "at": at,
                    "entry_id": entry.id,
                    "operation": "create",
                    "idempotency_key": entry.key,
                    "outcome": "created",
                    "request_id": f"r-{n}",
                }
                for n, at in enumerate(moments)
            ],
        )
        uow.commit()
    with any_store.unit_of_work() as uow:
        attempts = uow.outbox(connection).attempts(entry.id)
    assert [(a["request_id"], a["at"]) for a in attempts] == [
        (f"r-{n}", at.astimezone(UTC)) for n, at in enumerate(moments)
    ]


def test_outcomes_each_with_its_own_text_and_moment_read_back_as_written(any_store: Store) -> None:
    """A package's reasons and the summaries of what was sent hold quotes, backslashes and new lines;
    each row keeps its own, exactly, however the database takes a group's rows."""
    connection = connected(any_store, 3)
    moment = datetime(2026, 6, 1, 9, 30, 15, 123456, tzinfo=BST)
    texts = ['{"name": "O\'Brien \\"Jnr\\""}', "C:\\Jobs\\{1,2}\nline two", ""]
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        made = entries(uow, connection)
        outbox.begin_attempts([([entry.id], f"batch-{n}") for n, entry in enumerate(made)])
        outbox.set_each(
            [
                {
                    "entry_id": entry.id,
                    "state": EntryState.SENT.value,
                    "package_id": f"P-{n}",
                    "sent_at": moment + timedelta(seconds=n),
                    "sent_summary": text,
                    "reason": text[::-1],
                }
                for n, (entry, text) in enumerate(zip(made, texts, strict=True))
            ]
        )
        uow.commit()
    with any_store.unit_of_work() as uow:
        kept = entries(uow, connection)
    assert [(e.batch_key, e.package_id, e.sent_at, e.sent_summary, e.reason) for e in kept] == [
        (f"batch-{n}", f"P-{n}", moment + timedelta(seconds=n), text, text[::-1])
        for n, text in enumerate(texts)
    ]
