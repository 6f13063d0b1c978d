"""The outbox of one connection: entries made from records, their states, and every attempt.

Creating entries is done in chunks with plain inserts so a company's first 200,000 records enter the
outbox in seconds; the idempotency key of each entry is stored with it, before any request can leave.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ledgerlink.domain.outbox import EntryState, Step, idempotency_key
from ledgerlink.domain.records import RecordKind
from ledgerlink.store.connection_tables import OutboxAttemptRow, OutboxEntryRow
from ledgerlink.store.lookups import any_of
from ledgerlink.store.tables import RecordParentRow, RecordRow, utcnow

_entries = cast(Table, OutboxEntryRow.__table__)
_attempts = cast(Table, OutboxAttemptRow.__table__)
_records = cast(Table, RecordRow.__table__)
_parents = cast(Table, RecordParentRow.__table__)

CREDIT_TARGETS = {
    RecordKind.CREDIT_NOTE: RecordKind.INVOICE,
    RecordKind.SUPPLIER_CREDIT_NOTE: RecordKind.SUPPLIER_INVOICE,
}


@dataclass(frozen=True)
class Entry:
    id: int
    record_id: int
    kind: RecordKind
    source_id: str
    step: Step
    version: str
    state: EntryState
    key: str
    batch_key: str
    attempts: int
    reason: str
    reason_field: str
    blocked_by: str
    package_id: str
    total_difference: Decimal | None
    changed_after_sending: str
    sent_summary: str
    updated_at: datetime
    sent_at: datetime | None

    @property
    def label(self) -> str:
        what = f"{self.kind.label} {self.source_id}"
        return f"{what} (allocation)" if self.step is Step.ALLOCATE else what


@dataclass(frozen=True)
class SyncCounts:
    created: int = 0
    renewed: int = 0
    changed_after_sending: int = 0


# Statements a send runs for every batch, built once: building and caching them anew costs more than
# running them.
_BEGIN_ATTEMPT = (
    update(_entries)
    .where(
        _entries.c.connection_id == bindparam("connection"),
        _entries.c.id.in_(bindparam("ids", expanding=True)),
    )
    .values(
        state=EntryState.PROCESSING.value,
        batch_key=bindparam("batch_key"),
        attempts=_entries.c.attempts + 1,
        updated_at=bindparam("now"),
    )
)


@functools.cache
def _set_each_statement(names: tuple[str, ...]) -> Any:
    """UPDATE of the columns named `new_<column>` in `names`, for one entry of one connection a row."""
    return (
        update(_entries)
        .where(_entries.c.connection_id == bindparam("connection"), _entries.c.id == bindparam("entry_id"))
        .values({name[4:]: bindparam(name) for name in names if name.startswith("new_")})
    )


def _entry(row: Any) -> Entry:
    return Entry(
        id=row.id,
        record_id=row.record_id,
        kind=RecordKind(row.record_kind),
        source_id=row.source_id,
        step=Step(row.step),
        version=row.record_version,
        state=EntryState(row.state),
        key=row.idempotency_key,
        batch_key=row.batch_key,
        attempts=row.attempts,
        reason=row.reason,
        reason_field=row.reason_field,
        blocked_by=row.blocked_by,
        package_id=row.package_id,
        total_difference=row.total_difference,
        changed_after_sending=row.changed_after_sending,
        sent_summary=row.sent_summary,
        updated_at=row.updated_at,
        sent_at=row.sent_at,
    )


class OutboxRepository:
    def __init__(self, session: Session, connection_id: int, company_id: int) -> None:
        self.session = session
        self.connection_id = connection_id
        self.company_id = company_id

    @property
    def _db(self) -> Any:
        return self.session.connection()

    @property
    def _dialect(self) -> str:
        return str(self.session.get_bind().dialect.name)

    # --- entries from records ----------------------------------------------------------------------

    def sync(self, cut_off: date | None, *, chunk: int = 5000) -> SyncCounts:
        """Make an entry for every record in scope that has none; notice records changed since."""
        created = self._create_missing(cut_off, chunk)
        renewed, changed = self._notice_new_versions(chunk)
        return SyncCounts(created=created, renewed=renewed, changed_after_sending=changed)

    def _in_scope(self, cut_off: date | None) -> Any:
        condition = _records.c.company_id == self.company_id
        if cut_off is not None:
            condition = and_(
                condition, or_(_records.c.record_date.is_(None), _records.c.record_date >= cut_off)
            )
        return condition

    def _create_missing(self, cut_off: date | None, chunk: int) -> int:
        """Entries for records without one, a chunk of records at a time: a first sync of 200,000
        records holds one chunk in memory, not all of them."""
        made = 0
        for step in (Step.CREATE, Step.ALLOCATE):
            query = (
                select(_records.c.id, _records.c.kind, _records.c.source_id, _records.c.version)
                .where(self._in_scope(cut_off))
                .where(
                    ~select(_entries.c.id)
                    .where(
                        _entries.c.connection_id == self.connection_id,
                        _entries.c.record_id == _records.c.id,
                        _entries.c.step == step.value,
                    )
                    .exists()
                )
            )
            if step is Step.ALLOCATE:
                query = query.where(
                    _records.c.kind.in_([kind.value for kind in CREDIT_TARGETS]),
                    select(_parents.c.id)
                    .where(
                        _parents.c.record_id == _records.c.id,
                        _parents.c.parent_kind.in_([kind.value for kind in CREDIT_TARGETS.values()]),
                    )
                    .exists(),
                )
            after = 0
            now = utcnow()
            while rows := self._db.execute(
                query.where(_records.c.id > after).order_by(_records.c.id).limit(chunk)
            ).all():
                after = rows[-1].id
                values = [
                    {
                        "connection_id": self.connection_id,
                        "record_id": row.id,
                        "record_kind": row.kind,
                        "source_id": row.source_id,
                        "step": step.value,
                        "record_version": row.version,
                        "state": EntryState.WAITING.value,
                        "idempotency_key": idempotency_key(
                            self.connection_id, RecordKind(row.kind), row.source_id, row.version, step
                        ),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for row in rows
                ]
                self._db.execute(insert(_entries), values)
                made += len(values)
        return made

    def _notice_new_versions(self, chunk: int) -> tuple[int, int]:
        """A record changed before it was sent gets a new key; one changed after sending is flagged."""
        query = (
            select(
                _entries.c.id,
                _entries.c.state,
                _entries.c.step,
                _records.c.kind,
                _records.c.source_id,
                _records.c.version,
            )
            .join(_records, _records.c.id == _entries.c.record_id)
            .where(
                _entries.c.connection_id == self.connection_id,
                _entries.c.record_version != _records.c.version,
            )
        )
        renewed = changed = 0
        now = utcnow()
        for row in self._db.execute(query).all():
            state = EntryState(row.state)
            if state in (EntryState.UNCERTAIN, EntryState.PROCESSING):
                continue  # resolve what may have been sent before sending anything new for it
            if state is EntryState.SENT:
                self._db.execute(
                    update(_entries)
                    .where(_entries.c.id == row.id, _entries.c.changed_after_sending == "")
                    .values(changed_after_sending="pending", updated_at=now)
                )
                changed += 1
                continue
            key = idempotency_key(
                self.connection_id, RecordKind(row.kind), row.source_id, row.version, Step(row.step)
            )
            new_state = EntryState.DO_NOT_SEND if state is EntryState.DO_NOT_SEND else EntryState.WAITING
            self._db.execute(
                update(_entries)
                .where(_entries.c.id == row.id)
                .values(
                    record_version=row.version,
                    idempotency_key=key,
                    state=new_state.value,
                    reason="",
                    reason_field="",
                    blocked_by="",
                    updated_at=now,
                )
            )
            renewed += 1
        return renewed, changed

    # --- reading -----------------------------------------------------------------------------------

    def _select(self) -> Any:
        return select(_entries).where(_entries.c.connection_id == self.connection_id)

    def get(self, entry_id: int) -> Entry | None:
        row = self._db.execute(self._select().where(_entries.c.id == entry_id)).first()
        return _entry(row) if row else None

    def find(self, kind: RecordKind, source_id: str, step: Step = Step.CREATE) -> Entry | None:
        row = self._db.execute(
            self._select().where(
                _entries.c.record_kind == kind.value,
                _entries.c.source_id == source_id,
                _entries.c.step == step.value,
            )
        ).first()
        return _entry(row) if row else None

    def for_records(
        self, keys: Sequence[tuple[RecordKind, str]], step: Step = Step.CREATE
    ) -> dict[tuple[RecordKind, str], Entry]:
        found: dict[tuple[RecordKind, str], Entry] = {}
        by_kind: dict[RecordKind, list[str]] = {}
        for kind, source_id in keys:
            by_kind.setdefault(kind, []).append(source_id)
        for kind, ids in by_kind.items():
            for start in range(0, len(ids), 900):
                rows = self._db.execute(
                    self._select().where(
                        _entries.c.record_kind == kind.value,
                        _entries.c.step == step.value,
                        any_of(_entries.c.source_id, ids[start : start + 900], self._dialect),
                    )
                )
                for row in rows:
                    found[(kind, row.source_id)] = _entry(row)
        return found

    def in_states(
        self,
        states: Sequence[EntryState],
        *,
        kind: RecordKind | None = None,
        step: Step | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[Entry]:
        query = self._select().where(
            _entries.c.state.in_([s.value for s in states]), _entries.c.id > after_id
        )
        if kind is not None:
            query = query.where(_entries.c.record_kind == kind.value)
        if step is not None:
            query = query.where(_entries.c.step == step.value)
        query = query.order_by(_entries.c.id)
        if limit is not None:
            query = query.limit(limit)
        return [_entry(row) for row in self._db.execute(query)]

    def iter_states(
        self, states: Sequence[EntryState], *, kind: RecordKind, step: Step, chunk: int = 1000
    ) -> Iterator[list[Entry]]:
        after = 0
        while batch := self.in_states(states, kind=kind, step=step, after_id=after, limit=chunk):
            yield batch
            after = batch[-1].id

    def changed_after_sending(self) -> list[Entry]:
        query = self._select().where(_entries.c.changed_after_sending != "").order_by(_entries.c.id)
        return [_entry(row) for row in self._db.execute(query)]

    def counts(self) -> dict[EntryState, int]:
        query = (
            select(_entries.c.state, func.count())
            .where(_entries.c.connection_id == self.connection_id)
            .group_by(_entries.c.state)
        )
        counts = dict.fromkeys(EntryState, 0)
        for state, count in self._db.execute(query):
            counts[EntryState(state)] = count
        return counts

    def counts_by_kind(self) -> dict[tuple[RecordKind, EntryState], int]:
        query = (
            select(_entries.c.record_kind, _entries.c.state, func.count())
            .where(_entries.c.connection_id == self.connection_id)
            .group_by(_entries.c.record_kind, _entries.c.state)
        )
        return {
            (RecordKind(kind), EntryState(state)): count for kind, state, count in self._db.execute(query)
        }

    def attempts(self, entry_id: int) -> list[dict[str, Any]]:
        query = select(_attempts).where(_attempts.c.entry_id == entry_id).order_by(_attempts.c.id)
        return [dict(row._mapping) for row in self._db.execute(query)]

    # --- changing ----------------------------------------------------------------------------------

    def set_state(self, entry_ids: Sequence[int], state: EntryState, **values: Any) -> None:
        if not entry_ids:
            return
        for start in range(0, len(entry_ids), 900):
            self._db.execute(
                update(_entries)
                .where(
                    _entries.c.connection_id == self.connection_id,
                    any_of(_entries.c.id, entry_ids[start : start + 900], self._dialect),
                )
                .values(state=state.value, updated_at=utcnow(), **values)
            )

    def set_each(self, changes: Sequence[dict[str, Any]]) -> None:
        """Many entries, each with its own values (keys: entry_id plus the columns to set).

        Changes that set the same columns go as one statement executed for many rows, so recording a
        batch's outcome costs a statement, not one per entry.
        """
        now = utcnow()
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for change in changes:
            values = {f"new_{name}": value for name, value in change.items() if name != "entry_id"}
            values.update(new_updated_at=now, entry_id=change["entry_id"], connection=self.connection_id)
            groups.setdefault(tuple(sorted(values)), []).append(values)
        for names, rows in groups.items():
            self._db.execute(_set_each_statement(names), rows)

    def begin_attempt(self, entry_ids: Sequence[int], batch_key: str) -> None:
        """Processing, with the batch they travel in, committed before the request leaves."""
        for start in range(0, len(entry_ids), 900):
            self._db.execute(
                _BEGIN_ATTEMPT,
                {
                    "connection": self.connection_id,
                    "ids": list(entry_ids[start : start + 900]),
                    "batch_key": batch_key,
                    "now": utcnow(),
                },
            )

    def resend(self, entry_ids: Sequence[int]) -> int:
        """Failed or do-not-send entries back to waiting, each with a fresh key (the old one was refused)."""
        moved = 0
        for entry_id in entry_ids:
            entry = self.get(entry_id)
            if entry is None or entry.state not in (
                EntryState.FAILED,
                EntryState.DO_NOT_SEND,
                EntryState.BLOCKED,
            ):
                continue
            key = idempotency_key(
                self.connection_id, entry.kind, entry.source_id, entry.version, entry.step, entry.attempts
            )
            self.set_each(
                [
                    {
                        "entry_id": entry.id,
                        "state": EntryState.WAITING.value,
                        "idempotency_key": key,
                        "reason": "",
                        "reason_field": "",
                        "blocked_by": "",
                    }
                ]
            )
            moved += 1
        return moved

    def record_attempts(self, attempts: Sequence[dict[str, Any]]) -> None:
        if attempts:
            now = utcnow()
            self._db.execute(insert(_attempts), [{"at": now, **attempt} for attempt in attempts])

    def stale_processing_to_uncertain(self) -> int:
        """Entries left processing by a stopped sender may have reached the package: treat them as such."""
        result = self._db.execute(
            update(_entries)
            .where(
                _entries.c.connection_id == self.connection_id,
                _entries.c.state == EntryState.PROCESSING.value,
            )
            .values(
                state=EntryState.UNCERTAIN.value,
                reason="the sender stopped while this was on its way",
                updated_at=utcnow(),
            )
        )
        return int(result.rowcount or 0)
