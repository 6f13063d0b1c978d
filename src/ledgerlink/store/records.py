"""The records of one company: stored by (kind, source_id), versioned by content, read back as domain values.

Writes go straight to the driver in chunks (executemany on SQLite, COPY on PostgreSQL), so a company's
first 100,000 invoices are stored in seconds, and reads can stream in chunks so a send of 200,000 records never holds them all.
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any, Literal, cast

from sqlalchemy import Connection, Select, Table, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from ledgerlink.domain.ledger import LedgerItem
from ledgerlink.domain.records import (
    PARTY_FIELDS,
    RECORD_TYPES,
    Customer,
    CustomerPayment,
    Document,
    Record,
    RecordKind,
    Supplier,
    SupplierPayment,
    parents_of,
)
from ledgerlink.domain.validation import Finding
from ledgerlink.errors import RecordNotFound
from ledgerlink.store.bulk import insert_rows
from ledgerlink.store.codes import KIND_OF
from ledgerlink.store.lookups import any_of, by_kind, mark, select_in
from ledgerlink.store.record_ledger import ledger_item
from ledgerlink.store.tables import RecordFindingRow, RecordParentRow, RecordRow, utcnow

Outcome = Literal["created", "updated", "unchanged"]
Key = tuple[RecordKind, str]

_records = cast(Table, RecordRow.__table__)
_parents = cast(Table, RecordParentRow.__table__)
_findings = cast(Table, RecordFindingRow.__table__)


@dataclass(frozen=True)
class RecordWrite:
    """A record ready to store, with the figures worked out when it was fed and the warnings it carries.

    `gross` is the one figure it adds up to; `line_vat` a document's VAT line by line, which is what
    sending puts in front of the package.
    """

    record: Record
    gross: Decimal | None = None
    findings: Sequence[Finding] = ()
    line_vat: tuple[Decimal, ...] | None = None


@dataclass(frozen=True)
class StoredRecord:
    id: int
    record: Record
    version: str
    gross: Decimal | None
    created_at: datetime
    updated_at: datetime
    findings: tuple[Finding, ...] = ()
    line_vat: tuple[Decimal, ...] | None = None  # a document's VAT line by line, as fed

    @property
    def kind(self) -> RecordKind:
        return self.record.kind

    @property
    def source_id(self) -> str:
        return self.record.source_id


@dataclass(frozen=True)
class Page:
    items: list[StoredRecord]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class KindSummary:
    """What a company holds of one kind: how many, what they add up to, which dates they span."""

    kind: RecordKind
    count: int
    gross: Decimal
    first_date: date | None
    last_date: date | None


class RecordRepository:
    """One company's records, within one transaction.

    What it has written stays known to it, so a feed that arrives in parts looks up only the records
    that may be stored already: a company's first 100,000 invoices are pure inserts.
    """

    def __init__(self, session: Session, company_id: int, *, chunk_size: int = 2000) -> None:
        self.session = session
        self.company_id = company_id
        self.chunk_size = chunk_size
        self._fresh: set[RecordKind] | None = None  # kinds the company held none of before writing
        self._inserted: dict[RecordKind, set[str]] = {kind: set() for kind in RecordKind}
        self._dialect = session.get_bind().dialect.name

    # --- writing -----------------------------------------------------------------------------------

    def upsert(self, writes: Iterable[RecordWrite]) -> builtins.list[Outcome]:
        """Store each record; an unchanged version is left alone, a changed one replaced in place."""
        outcomes: builtins.list[Outcome] = []
        iterator = iter(writes)
        if self._fresh is None:
            # kinds the company has none of yet need no lookup: a first import is pure inserts
            self._fresh = set(RecordKind) - self._kinds_held()
        while chunk := builtins.list(islice(iterator, self.chunk_size)):
            outcomes.extend(self._upsert_chunk(chunk, self._fresh, self._inserted))
        return outcomes

    def _kinds_held(self) -> set[RecordKind]:
        query = select(_records.c.kind).where(_records.c.company_id == self.company_id).distinct()
        return {RecordKind(kind) for kind in self.session.scalars(query)}

    def _upsert_chunk(
        self, writes: builtins.list[RecordWrite], fresh: set[RecordKind], inserted: dict[RecordKind, set[str]]
    ) -> builtins.list[Outcome]:
        connection = self.session.connection()
        encode = _Encoder(connection.dialect.name)
        now = encode.moment(utcnow())
        lookup = [
            (record.kind, record.source_id)
            for record in (write.record for write in writes)
            if record.kind not in fresh or record.source_id in inserted[record.kind]
        ]
        existing = self._versions(lookup) if lookup else {}
        company_id = self.company_id
        day, amount = encode.day, encode.amount
        new: builtins.list[tuple[Any, ...]] = []
        new_keys: builtins.list[Key] = []
        changed: builtins.list[tuple[Any, ...]] = []
        written: dict[Key, RecordWrite] = {}
        outcomes: builtins.list[Outcome] = []
        for write in writes:
            record = write.record
            kind, source_id = record.kind, record.source_id
            key = (kind, source_id)
            # the serializer's bytes are what `Record.version` hashes: hashed as they are, decoded once
            raw = record.__pydantic_serializer__.to_json(record, exclude_none=True)
            version = hashlib.blake2b(raw, digest_size=10).hexdigest()
            content = raw.decode()
            known = existing.get(key) if existing else None
            if known is not None and known[1] == version:
                outcomes.append("unchanged")
                continue
            kind_text, party_field, dated, numbered = _SHAPES[type(record)]
            day_of = day(cast(Document, record).date) if dated else None
            party = getattr(record, party_field) if party_field else None
            number = cast(Document, record).number if numbered else ""
            gross = amount(write.gross)
            line_vat = None if write.line_vat is None else " ".join(str(vat) for vat in write.line_vat)
            # `_ROW_COLUMNS` order: a new row between its company and creation time, a changed one before its id
            if known is None:
                new.append(
                    (
                        company_id,
                        kind_text,
                        source_id,
                        version,
                        content,
                        day_of,
                        party,
                        number,
                        gross,
                        line_vat,
                        now,
                        now,
                    )
                )
                new_keys.append(key)
                outcomes.append("created")
                existing[key] = (-1, version)
            else:
                changed.append(
                    (
                        kind_text,
                        source_id,
                        version,
                        content,
                        day_of,
                        party,
                        number,
                        gross,
                        line_vat,
                        now,
                        known[0],
                    )
                )
                outcomes.append("updated")
                existing[key] = (known[0], version)
            written[key] = write
        ids: dict[Key, int] = {}
        if new:
            ids.update(self._insert_new(connection, new, new_keys))
            for kind, source_id in ids:
                inserted[kind].add(source_id)
        if changed:
            changed_ids = [row[-1] for row in changed]
            _update_many(connection, _records, _ROW_COLUMNS, changed)
            connection.execute(delete(_parents).where(_parents.c.record_id.in_(changed_ids)))
            connection.execute(delete(_findings).where(_findings.c.record_id.in_(changed_ids)))
            for row in changed:
                ids[(RecordKind(row[0]), row[1])] = row[-1]
        parents: builtins.list[tuple[Any, ...]] = []
        findings: builtins.list[tuple[Any, ...]] = []
        for key, write in written.items():
            record_id = ids[key]
            parents.extend(
                [
                    (record_id, self.company_id, _KIND_TEXT[kind], source_id)
                    for kind, source_id in parents_of(write.record)
                ]
            )
            if write.findings:
                findings.extend((record_id, f.severity, f.field, f.message) for f in write.findings)
        insert_rows(
            connection, _parents, ("record_id", "company_id", "parent_kind", "parent_source_id"), parents
        )
        insert_rows(connection, _findings, ("record_id", "severity", "field", "message"), findings)
        return outcomes

    def _insert_new(
        self, connection: Connection, rows: builtins.list[tuple[Any, ...]], keys: builtins.list[Key]
    ) -> dict[Key, int]:
        """Insert new record rows (`keys` names each) and answer their ids.

        PostgreSQL's ids are taken from the sequence first and copied in with the rows. SQLite numbers each
        new row one past the largest id, and the transaction holds the only write lock: when the largest id
        grew by exactly the rows written, they are numbered in order; otherwise they are read back.
        """
        columns = ("company_id", *_ROW_COLUMNS, "created_at")
        if connection.dialect.name == "postgresql":
            taken = connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('records', 'id')) FROM generate_series(1, %s)",
                (len(rows),),
            ).scalars()
            numbered = [(record_id, *row) for record_id, row in zip(taken, rows, strict=True)]
            insert_rows(connection, _records, ("id", *columns), numbered)
            return {key: row[0] for key, row in zip(keys, numbered, strict=True)}
        largest = select(func.max(_records.c.id))
        last_id = connection.execute(largest).scalar() or 0
        insert_rows(connection, _records, columns, rows)
        if (connection.execute(largest).scalar() or 0) - last_id == len(rows):
            return {key: record_id for record_id, key in enumerate(keys, start=last_id + 1)}
        return self._ids_after(last_id, set(keys))

    def _ids_after(self, last_id: int, written: set[Key]) -> dict[Key, int]:
        """The ids of the rows just inserted: every row of this company past `last_id` that we wrote."""
        connection = self.session.connection()
        # by id alone: a condition on the company would let SQLite walk the company's index, every
        # row the company holds for each chunk, instead of the few rows past `last_id`
        rows = connection.exec_driver_sql(
            f"SELECT id, company_id, kind, source_id FROM records WHERE id > {mark(connection)}",
            (last_id,),
        ).fetchall()
        kinds = {kind.value: kind for kind in RecordKind}
        found: dict[Key, int] = {}
        for record_id, company_id, kind, source_id in rows:
            key = (kinds[kind], source_id)
            if company_id == self.company_id and key in written:
                found[key] = record_id
        return found

    def _versions(self, keys: Sequence[Key]) -> dict[Key, tuple[int, str]]:
        connection = self.session.connection()
        found: dict[Key, tuple[int, str]] = {}
        for kind, source_ids in by_kind(keys, self.chunk_size):
            sql = "SELECT id, source_id, version FROM records WHERE company_id = {0} AND kind = {0} AND source_id"
            rows = select_in(connection, sql, (self.company_id, kind.value), source_ids)
            for record_id, source_id, version in rows:
                found[(kind, source_id)] = (record_id, version)
        return found

    # --- reading -----------------------------------------------------------------------------------

    def existing(self, keys: Iterable[Key]) -> set[Key]:
        """Which of these records the company holds (their ids only are read, however many)."""
        return set(self._versions(list(keys)))

    def find(self, kind: RecordKind, source_id: str) -> StoredRecord | None:
        row = self.session.scalar(self._query(kind).where(RecordRow.source_id == source_id))
        if row is None:
            return None
        query = select(RecordFindingRow).where(RecordFindingRow.record_id == row.id)
        findings = tuple(
            Finding(kind, source_id, f.field, f.message, "error" if f.severity == "error" else "warning")
            for f in self.session.scalars(query.order_by(RecordFindingRow.id))
        )
        return _stored(row, findings)

    def get(self, kind: RecordKind, source_id: str) -> StoredRecord:
        stored = self.find(kind, source_id)
        if stored is None:
            raise RecordNotFound(f"there is no {kind.label} {source_id!r}")
        return stored

    def list(
        self,
        kind: RecordKind | None = None,
        *,
        party_source_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """One page of records, newest first for dated kinds; `total` counts the whole selection."""
        query = self._query(kind)
        if party_source_id is not None:
            query = query.where(RecordRow.party_source_id == party_source_id)
        if date_from is not None:
            query = query.where(RecordRow.record_date >= date_from)
        if date_to is not None:
            query = query.where(RecordRow.record_date <= date_to)
        if search:
            pattern = f"%{search}%"
            query = query.where(
                or_(
                    RecordRow.source_id.ilike(pattern),
                    RecordRow.number.ilike(pattern),
                    RecordRow.content.ilike(pattern),
                )
            )
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        ordered = query.order_by(
            RecordRow.record_date.desc().nulls_last(), RecordRow.kind, RecordRow.source_id
        )
        rows = self.session.scalars(ordered.offset(offset).limit(limit))
        return Page(items=[_stored(row) for row in rows], total=total, offset=offset, limit=limit)

    def changed(
        self,
        kind: RecordKind,
        *,
        since: datetime | None = None,
        after: tuple[datetime, int] | None = None,
        limit: int = 100,
    ) -> builtins.list[StoredRecord]:
        """Records of `kind` in the order they last changed (oldest first, then by row), from `since`
        and strictly after the `(updated_at, id)` of the last one a reader has seen: a record that
        changes while a reader pages moves to the end, where the reader still finds it."""
        query = self._query(kind)
        if since is not None:
            query = query.where(RecordRow.updated_at >= since)
        if after is not None:
            moment, row_id = after
            query = query.where(
                or_(
                    RecordRow.updated_at > moment,
                    and_(RecordRow.updated_at == moment, RecordRow.id > row_id),
                )
            )
        rows = self.session.scalars(query.order_by(RecordRow.updated_at, RecordRow.id).limit(limit))
        return [_stored(row) for row in rows]

    def load(self, keys: Iterable[Key]) -> builtins.list[StoredRecord]:
        """The stored records among `keys` (missing ones are simply absent)."""
        found: builtins.list[StoredRecord] = []
        for kind, source_ids in by_kind(keys, self.chunk_size):
            # one kind at a time, so the lookup walks the (company, kind, source id) index; a list of
            # (kind, source id) pairs would have SQLite scan every record the company holds
            query = self._plain(kind).where(any_of(_records.c.source_id, source_ids, self._dialect))
            found.extend(map(_stored_plain, self.session.execute(query)))
        return found

    def children(
        self, parents: Iterable[Key], *, excluding: Container[Key] = ()
    ) -> builtins.list[StoredRecord]:
        """Records that name any of `parents` as a parent (credit notes and payments of an invoice).

        Those among `excluding` (a feed's own records, say) are left out before any content is read.
        """
        found: builtins.list[StoredRecord] = []
        for chunk in self._children_ids(parents, excluding):
            query = self._plain().where(any_of(_records.c.id, chunk, self._dialect))
            found.extend(map(_stored_plain, self.session.execute(query.order_by(_records.c.id))))
        return found

    def ledger_items(self, parties: Iterable[Key]) -> builtins.list[LedgerItem]:
        """What each document and payment of these customers and suppliers does to their ledgers,
        read without building the documents' lines (see record_ledger)."""
        found: builtins.list[LedgerItem] = []
        columns = (_records.c.kind, _records.c.content, _records.c.gross)
        for chunk in self._children_ids(parties):
            query = select(*columns).where(
                _records.c.company_id == self.company_id, any_of(_records.c.id, chunk, self._dialect)
            )
            found.extend(
                ledger_item(KIND_OF[kind], content, gross)
                for kind, content, gross in self.session.execute(query.order_by(_records.c.id))
            )
        return found

    def _children_ids(
        self, parents: Iterable[Key], excluding: Container[Key] = ()
    ) -> Iterator[builtins.list[int]]:
        """The ids of the records naming any of `parents` as a parent, in id order, a chunk at a time."""
        connection = self.session.connection()
        ids: set[int] = set()
        for kind, source_ids in by_kind(parents, self.chunk_size):
            sql = (
                "SELECT record_id FROM record_parents "
                "WHERE company_id = {0} AND parent_kind = {0} AND parent_source_id"
            )
            ids.update(
                row[0] for row in select_in(connection, sql, (self.company_id, kind.value), source_ids)
            )
        if excluding and ids:
            kinds = {kind.value: kind for kind in RecordKind}
            sql = "SELECT id, kind, source_id FROM records WHERE company_id = {0} AND id"
            candidates = sorted(ids)
            ids = {
                record_id
                for start in range(0, len(candidates), self.chunk_size)
                for record_id, kind, source_id in select_in(
                    connection, sql, (self.company_id,), candidates[start : start + self.chunk_size]
                )
                if (kinds[kind], source_id) not in excluding
            }
        # the ids first, then the records by id: in one query SQLite would walk all the company's records
        ordered = sorted(ids)
        for start in range(0, len(ordered), self.chunk_size):
            yield ordered[start : start + self.chunk_size]

    def iter_chunks(
        self, kind: RecordKind | None = None, *, chunk_size: int = 1000, before: date | None = None
    ) -> Iterator[builtins.list[StoredRecord]]:
        """Every record of a kind in id order (with `before`, those dated before that day), `chunk_size`
        at a time, without holding them all."""
        last_id = 0
        while True:
            query = self._query(kind).where(RecordRow.id > last_id)
            if before is not None:
                query = query.where(RecordRow.record_date < before)
            query = query.order_by(RecordRow.id).limit(chunk_size)
            chunk = [_stored(row) for row in self.session.scalars(query)]
            if not chunk:
                return
            yield chunk
            last_id = chunk[-1].id

    def is_empty(self) -> bool:
        """Whether the company holds no record at all (cheaper than counting them)."""
        query = select(_records.c.id).where(_records.c.company_id == self.company_id).limit(1)
        return self.session.connection().execute(query).first() is None

    def counts(self) -> dict[RecordKind, int]:
        query = (
            select(RecordRow.kind, func.count())
            .where(RecordRow.company_id == self.company_id)
            .group_by(RecordRow.kind)
        )
        found = {RecordKind(kind): count for kind, count in self.session.execute(query)}
        return {kind: found.get(kind, 0) for kind in RecordKind}

    def refunded(self) -> Decimal:
        """What the company has paid back to its customers: the sum of its refunds.

        Read from the stored content without parsing it: the serializer writes a refund's flag as
        `"is_refund":true` (a string field holding those words would have its quotes escaped).
        """
        query = select(func.sum(RecordRow.gross)).where(
            RecordRow.company_id == self.company_id,
            RecordRow.kind == RecordKind.CUSTOMER_PAYMENT.value,
            RecordRow.content.contains('"is_refund":true', autoescape=True),
        )
        return Decimal(self.session.scalar(query) or 0).quantize(Decimal("0.01"))

    def summary(self) -> builtins.list[KindSummary]:
        query = (
            select(
                RecordRow.kind,
                func.count(),
                func.sum(RecordRow.gross),
                func.min(RecordRow.record_date),
                func.max(RecordRow.record_date),
            )
            .where(RecordRow.company_id == self.company_id)
            .group_by(RecordRow.kind)
        )
        found = {RecordKind(row[0]): row for row in self.session.execute(query)}
        summaries = []
        for kind in RecordKind:
            row = found.get(kind)
            if row is None:
                summaries.append(KindSummary(kind, 0, Decimal("0.00"), None, None))
            else:
                gross = Decimal(row[2] or 0).quantize(Decimal("0.01"))
                summaries.append(KindSummary(kind, row[1], gross, row[3], row[4]))
        return summaries

    def findings_count(self) -> dict[str, int]:
        """How many warnings (and, for records stored before a rule changed, errors) the records carry."""
        query = (
            select(RecordFindingRow.severity, func.count())
            .join(RecordRow, RecordRow.id == RecordFindingRow.record_id)
            .where(RecordRow.company_id == self.company_id)
            .group_by(RecordFindingRow.severity)
        )
        found: dict[str, int] = {str(severity): int(count) for severity, count in self.session.execute(query)}
        return {"error": found.get("error", 0), "warning": found.get("warning", 0)}

    def _plain(self, kind: RecordKind | None = None) -> Select[Any]:
        """The columns a StoredRecord is made of, as plain rows: what a send reads by the thousand,
        where making an ORM object of each row costs as much as reading its content."""
        query = select(*_STORED_COLUMNS).where(_records.c.company_id == self.company_id)
        if kind is not None:
            query = query.where(_records.c.kind == kind.value)
        return query

    def _query(self, kind: RecordKind | None = None) -> Select[RecordRow]:
        query = select(RecordRow).where(RecordRow.company_id == self.company_id)
        if kind is not None:
            query = query.where(RecordRow.kind == kind.value)
        return query


def _update_many(
    connection: Connection, table: Table, columns: Sequence[str], rows: builtins.list[tuple[Any, ...]]
) -> None:
    """Rows by id (each row's last value), as `insert_rows` writes them."""
    quote = connection.dialect.identifier_preparer.quote
    parameter = mark(connection)
    sets = ", ".join(f"{quote(column)} = {parameter}" for column in columns)
    connection.exec_driver_sql(f"UPDATE {quote(table.name)} SET {sets} WHERE id = {parameter}", rows)


class _Encoder:
    """Dates, times and amounts as the driver wants them: SQLite takes the text SQLAlchemy's types read back."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    def moment(self, value: datetime) -> Any:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value

    def day(self, value: date | None) -> Any:
        return value.isoformat() if self.sqlite and value is not None else value

    def amount(self, value: Decimal | None) -> Any:
        return str(value) if self.sqlite and value is not None else value


_ROW_COLUMNS = (
    "kind",
    "source_id",
    "version",
    "content",
    "record_date",
    "party_source_id",
    "number",
    "gross",
    "line_vat",
    "updated_at",
)


_KIND_TEXT = {kind: kind.value for kind in RecordKind}
# per record type: its kind as stored, the field naming its party, whether it is dated and numbered
_SHAPES: dict[type[Record], tuple[str, str, bool, bool]] = {
    record_type: (
        record_type.kind.value,
        party[1] if (party := PARTY_FIELDS.get(record_type)) else "",
        record_type not in (Customer, Supplier),
        record_type not in (Customer, Supplier, CustomerPayment, SupplierPayment),
    )
    for record_type in RECORD_TYPES.values()
}


_STORED_COLUMNS = tuple(
    _records.c[name]
    for name in ("id", "kind", "content", "version", "gross", "line_vat", "created_at", "updated_at")
)


def _stored_plain(row: Any) -> StoredRecord:
    """The record in a row of `_plain()`, its columns taken by position: a send reads thousands, and
    reading eight columns of a row by name cost more than the rest of making the record but its
    content's validation."""
    record_id, kind, content, version, gross, line_vat, created_at, updated_at = row
    return StoredRecord(
        record_id,
        RECORD_TYPES[KIND_OF[kind]].model_validate_json(content),
        version,
        gross,
        created_at,
        updated_at,
        (),
        None if line_vat is None else tuple(map(Decimal, line_vat.split())),
    )


def _stored(row: Any, findings: tuple[Finding, ...] = ()) -> StoredRecord:
    record_type = RECORD_TYPES[KIND_OF[row.kind]]
    record: Record = record_type.model_validate_json(row.content)
    return StoredRecord(
        id=row.id,
        record=record,
        version=row.version,
        gross=row.gross,
        created_at=row.created_at,
        updated_at=row.updated_at,
        findings=findings,
        line_vat=None if row.line_vat is None else tuple(Decimal(vat) for vat in row.line_vat.split()),
    )
