"""The outbox of one connection: entries made from records, their states, and every attempt.

Creating entries is done in chunks with plain inserts so a company's first 200,000 records enter the
outbox in seconds; the idempotency key of each entry is stored with it, before any request can leave.

Entries are the domain's OutboxEntry, and they move only as the domain's TRANSITIONS allow. Moves made
in bulk (a batch's outcome, a chunk blocked) stay one statement: each UPDATE touches only rows whose
state is a source of the target state (`sources_of`), so an illegal move is never written, and the
rows it did not touch are then read to raise IllegalTransition naming the entry, its state and the move.
That read happens only when a move was refused: the send's statements cost what they cost before.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    column,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from ledgerlink.domain.ledger import CREDIT_TARGETS
from ledgerlink.domain.outbox import (
    EntryState,
    OutboxEntry,
    Step,
    entry_label,
    idempotency_key,
    require_move,
    sources_of,
)
from ledgerlink.domain.records import RecordKind
from ledgerlink.store.bulk import (
    execute_many,
    insert_many,
    matched,
    unnested,
    update_from_arrays,
)
from ledgerlink.store.codes import KIND_OF, STATE_OF, STEP_OF
from ledgerlink.store.connection_tables import OutboxAttemptRow, OutboxEntryRow
from ledgerlink.store.lookups import any_of, by_kind
from ledgerlink.store.tables import RecordParentRow, RecordRow, utcnow

_entries = cast(Table, OutboxEntryRow.__table__)
_attempts = cast(Table, OutboxAttemptRow.__table__)
_records = cast(Table, RecordRow.__table__)
_parents = cast(Table, RecordParentRow.__table__)


@dataclass(frozen=True)
class SyncCounts:
    created: int = 0
    renewed: int = 0
    changed_after_sending: int = 0


def _may_move_to(to: EntryState) -> Any:
    """Rows whose state the domain lets move to `to`. The states are written into the statement, not
    bound: a statement executed for many rows takes no list parameter."""
    sources = sorted(sources_of(to))
    if not sources:
        return false()
    return _entries.c.state.in_([literal_column(f"'{state.value}'") for state in sources])


def _begin_attempt(matching: Any, batch_key: Any) -> Any:
    """The UPDATE that marks entries on their way, each with its batch's key, given which entries it
    matches and where each one's key comes from: a parameter of each row's own (a statement a row), or
    a column of `unnested`."""
    return (
        update(_entries)
        .where(
            _entries.c.connection_id == bindparam("connection"),
            matching,
            _may_move_to(EntryState.PROCESSING),
        )
        .values(
            state=EntryState.PROCESSING.value,
            batch_key=batch_key,
            attempts=_entries.c.attempts + 1,
            updated_at=bindparam("now"),
        )
    )


# The statements a send runs to mark its batches on their way, built once: building and caching them
# anew costs more than running them. SQLite takes one row a statement, so the batches of a group go as
# one executemany; PostgreSQL takes them all in one statement over arrays (see `set_each`).
_BEGIN_ATTEMPT = _begin_attempt(_entries.c.id == bindparam("entry_id"), bindparam("batch_key"))
_BEGIN_ATTEMPT_NEW = unnested(
    [column("entry_id", _entries.c.id.type), column("batch_key", _entries.c.batch_key.type)]
)
_BEGIN_ATTEMPT_FROM_ARRAYS = _begin_attempt(
    matched(_entries.c.id, _BEGIN_ATTEMPT_NEW, "entry_id"), _BEGIN_ATTEMPT_NEW.c.batch_key
)


@functools.cache
def _set_each_statement(names: tuple[str, ...], to: EntryState | None) -> Any:
    """UPDATE of the columns named `new_<column>` in `names`, for one entry of one connection a row;
    with `to`, a move to that state, made only where the entry's state allows it."""
    statement = update(_entries).where(
        _entries.c.connection_id == bindparam("connection"), _entries.c.id == bindparam("entry_id")
    )
    if to is not None:
        statement = statement.where(_may_move_to(to))
    return statement.values({name[4:]: bindparam(name) for name in names if name.startswith("new_")})


@functools.cache
def _set_each_from_arrays(names: tuple[str, ...], to: EntryState | None) -> Any:
    """The same UPDATE for every row at once, each value of `names` but the connection an array."""
    columns = [column("entry_id", _entries.c.id.type)]
    columns += [column(name, _entries.c[name[4:]].type) for name in names if name.startswith("new_")]
    new = unnested(columns)
    statement = update(_entries).where(
        _entries.c.connection_id == bindparam("connection"), matched(_entries.c.id, new, "entry_id")
    )
    if to is not None:
        statement = statement.where(_may_move_to(to))
    return statement.values({name[4:]: new.c[name] for name in names if name.startswith("new_")})


# an entry's fields from a row of select(_entries), by position in the entry's own order: by name, a
# row's nineteen attribute reads cost more than the rest of building the entry
_COLUMN_OF_FIELD = {"kind": "record_kind", "version": "record_version", "key": "idempotency_key"}
_ENTRY_COLUMNS = operator.itemgetter(
    *(
        _entries.columns.keys().index(_COLUMN_OF_FIELD.get(field.name, field.name))
        for field in fields(OutboxEntry)
    )
)


def _entry_id(entry: OutboxEntry) -> int:
    return entry.id


def _entry(row: Any) -> OutboxEntry:
    """The entry in a row of select(_entries)."""
    entry_id, record_id, kind, source_id, step, version, state, *rest = _ENTRY_COLUMNS(row)
    return OutboxEntry(
        entry_id, record_id, KIND_OF[kind], source_id, STEP_OF[step], version, STATE_OF[state], *rest
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
        # rows the table held when PostgreSQL last took its statistics, and rows made since
        analyzed, unanalyzed = self._rows_analyzed(), 0
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
            connection_id, waiting = self.connection_id, EntryState.WAITING.value
            while rows := self._db.execute(
                query.where(_records.c.id > after).order_by(_records.c.id).limit(chunk)
            ).all():
                after = rows[-1].id
                values = [
                    {
                        "connection_id": connection_id,
                        "record_id": record_id,
                        "record_kind": kind,
                        "source_id": source_id,
                        "step": step.value,
                        "record_version": version,
                        "state": waiting,
                        "idempotency_key": idempotency_key(
                            connection_id, KIND_OF[kind], source_id, version, step
                        ),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for record_id, kind, source_id, version in rows
                ]
                insert_many(self._db, _entries, values)
                made += len(values)
                unanalyzed += len(values)
                if self._dialect == "postgresql" and unanalyzed > analyzed:
                    # PostgreSQL plans the next chunk's NOT EXISTS from statistics taken before these
                    # rows were in: against a table it thinks empty it scans every entry for every
                    # record, seconds for a first sync of a few thousand. Once the statistics know
                    # the table's shape, its planner scales them to the table's size as it grows;
                    # so they are taken again only once the table has more than doubled, a few
                    # times in a first sync of 100,000 records rather than at every chunk (each
                    # takes up to a tenth of a second).
                    self._db.execute(text("ANALYZE outbox_entries"))
                    analyzed, unanalyzed = analyzed + unanalyzed, 0
        return made

    def _rows_analyzed(self) -> int:
        """The rows PostgreSQL's statistics last counted in the table (none where never taken)."""
        if self._dialect != "postgresql":
            return 0
        counted = self._db.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = 'outbox_entries'::regclass")
        ).scalar()
        return max(0, int(counted or 0))

    def hold_records(self, keys: Sequence[tuple[RecordKind, str]], reason: str) -> int:
        """Entries held do-not-send, with `reason`, for these records whether in scope or not (a document
        dated before the cut-off settled outside ledgerlink): made where a record has none, moved where
        it has one that may be held. Answers how many are held now."""
        held = 0
        now = utcnow()
        for kind, source_id in keys:
            row = self._db.execute(
                select(_records.c.id, _records.c.version).where(
                    _records.c.company_id == self.company_id,
                    _records.c.kind == kind.value,
                    _records.c.source_id == source_id,
                )
            ).first()
            if row is None:
                continue
            entry = self.find(kind, source_id)
            if entry is None:
                self._db.execute(
                    insert(_entries),
                    [
                        {
                            "connection_id": self.connection_id,
                            "record_id": row.id,
                            "record_kind": kind.value,
                            "source_id": source_id,
                            "step": Step.CREATE.value,
                            "record_version": row.version,
                            "state": EntryState.DO_NOT_SEND.value,
                            "reason": reason,
                            "idempotency_key": idempotency_key(
                                self.connection_id, kind, source_id, row.version, Step.CREATE
                            ),
                            "created_at": now,
                            "updated_at": now,
                        }
                    ],
                )
            elif entry.state is not EntryState.DO_NOT_SEND or entry.reason != reason:
                self.set_state([entry.id], EntryState.DO_NOT_SEND, reason=reason)
            held += 1
        return held

    def queue_records(self, keys: Sequence[tuple[RecordKind, str]]) -> int:
        """Waiting entries for these records where they have none, in scope or not (a document dated
        before the cut-off sent as an opening item). Answers how many were made."""
        if not keys:
            return 0
        have = set(self.for_records(sorted(keys)))
        now = utcnow()
        values = []
        for kind, source_id in keys:
            if (kind, source_id) in have:
                continue
            row = self._db.execute(
                select(_records.c.id, _records.c.version).where(
                    _records.c.company_id == self.company_id,
                    _records.c.kind == kind.value,
                    _records.c.source_id == source_id,
                )
            ).first()
            if row is None:
                continue
            values.append(
                {
                    "connection_id": self.connection_id,
                    "record_id": row.id,
                    "record_kind": kind.value,
                    "source_id": source_id,
                    "step": Step.CREATE.value,
                    "record_version": row.version,
                    "state": EntryState.WAITING.value,
                    "idempotency_key": idempotency_key(
                        self.connection_id, kind, source_id, row.version, Step.CREATE
                    ),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if values:
            self._db.execute(insert(_entries), values)
        return len(values)

    def _notice_new_versions(self, chunk: int) -> tuple[int, int]:
        """A record changed before it was sent gets a new key; one changed after sending is flagged."""
        query = (
            select(
                _entries.c.id,
                _entries.c.state,
                _entries.c.step,
                _entries.c.package_id,
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
            if state is EntryState.DO_NOT_SEND and row.package_id:
                continue  # held after it was sent: the change is noticed once a person puts it back
            if state is EntryState.SENT:
                self._db.execute(
                    update(_entries)
                    .where(_entries.c.id == row.id, _entries.c.changed_after_sending == "")
                    .values(changed_after_sending="pending", updated_at=now)
                )
                changed += 1
                continue
            kind, step = RecordKind(row.kind), Step(row.step)
            key = idempotency_key(self.connection_id, kind, row.source_id, row.version, step)
            new_state = EntryState.DO_NOT_SEND if state is EntryState.DO_NOT_SEND else EntryState.WAITING
            require_move(entry_label(kind, row.source_id, step), state, new_state)
            self._db.execute(
                update(_entries)
                .where(_entries.c.id == row.id, _entries.c.state == state.value)
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

    def get(self, entry_id: int) -> OutboxEntry | None:
        row = self._db.execute(self._select().where(_entries.c.id == entry_id)).first()
        return _entry(row) if row else None

    def find(self, kind: RecordKind, source_id: str, step: Step = Step.CREATE) -> OutboxEntry | None:
        row = self._db.execute(
            self._select().where(
                _entries.c.record_kind == kind.value,
                _entries.c.source_id == source_id,
                _entries.c.step == step.value,
            )
        ).first()
        return _entry(row) if row else None

    def named(self, names: Sequence[str]) -> set[str]:
        """Which of `names`, as a person types them (job-system ids or entry numbers), name an entry."""
        found: set[str] = set()
        for start in range(0, len(names), 900):
            rows = self._db.execute(
                select(_entries.c.source_id).where(
                    _entries.c.connection_id == self.connection_id,
                    any_of(_entries.c.source_id, names[start : start + 900], self._dialect),
                )
            )
            found.update(row.source_id for row in rows)
        numbers = [int(name) for name in names if name.isdigit() and name not in found]
        if numbers:
            rows = self._db.execute(
                select(_entries.c.id).where(
                    _entries.c.connection_id == self.connection_id,
                    any_of(_entries.c.id, numbers, self._dialect),
                )
            )
            found.update(str(row.id) for row in rows)
        return found

    def for_records(
        self, keys: Sequence[tuple[RecordKind, str]], step: Step = Step.CREATE
    ) -> dict[tuple[RecordKind, str], OutboxEntry]:
        found: dict[tuple[RecordKind, str], OutboxEntry] = {}
        for kind, ids in by_kind(keys, 900):
            rows = self._db.execute(
                self._select().where(
                    _entries.c.record_kind == kind.value,
                    _entries.c.step == step.value,
                    any_of(_entries.c.source_id, ids, self._dialect),
                )
            )
            for row in rows:
                found[(kind, row.source_id)] = _entry(row)
        return found

    def sent_and_changed_since(self, keys: Sequence[tuple[RecordKind, str]]) -> set[tuple[RecordKind, str]]:
        """Those of these records whose sent entry waits on a change made after sending: a chunk of
        payments asks this of every invoice it settles, and almost none are, so only they are read."""
        found: set[tuple[RecordKind, str]] = set()
        for kind, ids in by_kind(keys, 900):
            rows = self._db.execute(
                select(_entries.c.source_id).where(
                    _entries.c.connection_id == self.connection_id,
                    _entries.c.record_kind == kind.value,
                    _entries.c.step == Step.CREATE.value,
                    any_of(_entries.c.source_id, ids, self._dialect),
                    _entries.c.state == EntryState.SENT.value,
                    _entries.c.changed_after_sending != "",
                )
            )
            found.update((kind, source_id) for (source_id,) in rows)
        return found

    def in_states(
        self,
        states: Sequence[EntryState],
        *,
        kind: RecordKind | None = None,
        step: Step | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[OutboxEntry]:
        """The entries in `states`, in the order they were made; with a `limit`, the first of them
        after entry `after_id`.

        A chunk of several states is read a state at a time: each state's entries of a kind and
        step come in order off the (connection, state, kind, step, id) index, and the first `limit`
        of each are all that is read. Asked for together, the database reads every entry after
        `after_id` in any of them and sorts them all, for every chunk of a large send."""
        if limit is not None and len(states) > 1:
            each = [
                self.in_states([state], kind=kind, step=step, after_id=after_id, limit=limit)
                for state in states
            ]
            return list(itertools.islice(heapq.merge(*each, key=_entry_id), limit))
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
    ) -> Iterator[list[OutboxEntry]]:
        after = 0
        while batch := self.in_states(states, kind=kind, step=step, after_id=after, limit=chunk):
            yield batch
            after = batch[-1].id

    def changed_after_sending(self) -> list[OutboxEntry]:
        """Sent records changed since, save those a person holds do-not-send."""
        query = (
            self._select()
            .where(
                _entries.c.changed_after_sending != "",
                _entries.c.state != EntryState.DO_NOT_SEND.value,
            )
            .order_by(_entries.c.id)
        )
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

    def counts_by_step(self, states: Sequence[EntryState]) -> dict[tuple[RecordKind, Step], int]:
        """How many entries in `states` there are of each kind and step: what is left to send."""
        query = (
            select(_entries.c.record_kind, _entries.c.step, func.count())
            .where(
                _entries.c.connection_id == self.connection_id,
                _entries.c.state.in_([state.value for state in states]),
            )
            .group_by(_entries.c.record_kind, _entries.c.step)
        )
        return {(RecordKind(kind), Step(step)): count for kind, step, count in self._db.execute(query)}

    def attempts(self, entry_id: int) -> list[dict[str, Any]]:
        query = select(_attempts).where(_attempts.c.entry_id == entry_id).order_by(_attempts.c.id)
        return [dict(row._mapping) for row in self._db.execute(query)]

    # --- changing ----------------------------------------------------------------------------------

    def set_state(self, entry_ids: Sequence[int], state: EntryState, **values: Any) -> None:
        """Move these entries to `state`; IllegalTransition (and nothing to commit) if one may not."""
        if not entry_ids:
            return
        now = utcnow()
        for start in range(0, len(entry_ids), 900):
            part = entry_ids[start : start + 900]
            result = self._db.execute(
                update(_entries)
                .where(
                    _entries.c.connection_id == self.connection_id,
                    any_of(_entries.c.id, part, self._dialect),
                    _may_move_to(state),
                )
                .values(state=state.value, updated_at=now, **values)
            )
            if result.rowcount < len(part):
                self._refuse_unmoved(part, state, now)

    def _refuse_unmoved(self, entry_ids: Sequence[int], to: EntryState, now: datetime) -> None:
        """After a bulk move touched fewer rows than asked: raise IllegalTransition for an entry it
        left where it was (its `updated_at` is not this move's). Ids of no entry are passed over."""
        for start in range(0, len(entry_ids), 900):
            rows = self._db.execute(
                self._select()
                .where(
                    any_of(_entries.c.id, entry_ids[start : start + 900], self._dialect),
                    _entries.c.updated_at != now,
                )
                .order_by(_entries.c.id)
            )
            for row in rows:
                _entry(row).moved_to(to)

    def set_each(self, changes: Sequence[dict[str, Any]]) -> None:
        """Many entries, each with its own values (keys: entry_id plus the columns to set).

        Changes that set the same columns go as one statement executed for many rows, so recording a
        batch's outcome costs a statement, not one per entry. A change of `state` is a move, made only
        where the domain allows it: IllegalTransition otherwise, and nothing is to be committed.
        """
        now = utcnow()
        groups: dict[tuple[tuple[str, ...], EntryState | None], list[dict[str, Any]]] = {}
        for change in changes:
            values = {f"new_{name}": value for name, value in change.items() if name != "entry_id"}
            values.update(new_updated_at=now, entry_id=change["entry_id"], connection=self.connection_id)
            to = STATE_OF[change["state"]] if "state" in change else None
            groups.setdefault((tuple(sorted(values)), to), []).append(values)
        for (names, to), rows in groups.items():
            if self._dialect == "postgresql":
                arrays = [name for name in names if name != "connection"]
                moved = update_from_arrays(
                    self._db, _set_each_from_arrays(names, to), rows, arrays=arrays, shared=["connection"]
                )
            else:
                moved = execute_many(self._db, _set_each_statement(names, to), rows)
            if to is not None and moved < len(rows):
                self._refuse_unmoved([row["entry_id"] for row in rows], to, now)

    def begin_attempt(self, entry_ids: Sequence[int], batch_key: str) -> None:
        """Processing, with the batch they travel in, committed before the request leaves."""
        self.begin_attempts([(entry_ids, batch_key)])

    def begin_attempts(self, batches: Sequence[tuple[Sequence[int], str]]) -> None:
        """Several batches marked processing at once, each entry with its batch's key: one statement
        for a whole group of calls, committed before the first of them leaves."""
        now = utcnow()
        ids = [entry_id for entry_ids, _ in batches for entry_id in entry_ids]
        rows = [
            {"connection": self.connection_id, "entry_id": entry_id, "batch_key": key, "now": now}
            for entry_ids, key in batches
            for entry_id in entry_ids
        ]
        if not rows:
            return
        if self._dialect == "postgresql":
            moved = update_from_arrays(
                self._db,
                _BEGIN_ATTEMPT_FROM_ARRAYS,
                rows,
                arrays=["entry_id", "batch_key"],
                shared=["connection", "now"],
            )
        else:
            moved = execute_many(self._db, _BEGIN_ATTEMPT, rows)
        if moved < len(rows):
            self._refuse_unmoved(ids, EntryState.PROCESSING, now)

    def movable(self, entry_ids: Sequence[int], to: EntryState) -> set[int]:
        """Of these entries, those whose state lets them move to `to` now: after a bulk move was
        refused because a person moved one of them meanwhile, the ones that may still go."""
        found: set[int] = set()
        for start in range(0, len(entry_ids), 900):
            found.update(
                self._db.execute(
                    select(_entries.c.id).where(
                        _entries.c.connection_id == self.connection_id,
                        any_of(_entries.c.id, entry_ids[start : start + 900], self._dialect),
                        _may_move_to(to),
                    )
                ).scalars()
            )
        return found

    def resend(self, entry_ids: Sequence[int]) -> int:
        """Failed or do-not-send entries back to waiting, each with a fresh key (the old one was refused).

        One held do-not-send after it was sent goes back to sent: the package has it, and a change made
        meanwhile is noticed by the next sync as any change after sending is.
        """
        moved = 0
        for entry_id in entry_ids:
            entry = self.get(entry_id)
            if entry is None or entry.state not in (
                EntryState.FAILED,
                EntryState.DO_NOT_SEND,
                EntryState.BLOCKED,
            ):
                continue
            if entry.state is EntryState.DO_NOT_SEND and entry.package_id:
                self.set_each([{"entry_id": entry.id, "state": EntryState.SENT.value, "reason": ""}])
                moved += 1
                continue
            entry.moved_to(EntryState.WAITING)
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
            insert_many(self._db, _attempts, [{"at": now, **attempt} for attempt in attempts])

    def stale_processing_to_uncertain(self) -> int:
        """Entries left processing by a stopped sender may have reached the package: treat them as such."""
        require_move("an entry left processing", EntryState.PROCESSING, EntryState.UNCERTAIN)
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
