"""Import batches: what one committed import created, so it can be listed and undone record by record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import LinkConflict, RecordNotFound
from ledgerlink.store.connection_tables import LinkRow, OutboxEntryRow
from ledgerlink.store.people_tables import ImportBatchRecordRow, ImportBatchRow
from ledgerlink.store.tables import RecordRow, utcnow

# the financial kinds whose records name a customer or a supplier as their party
_CHILD_KINDS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.CUSTOMER: (
        RecordKind.INVOICE.value,
        RecordKind.CREDIT_NOTE.value,
        RecordKind.CUSTOMER_PAYMENT.value,
    ),
    RecordKind.SUPPLIER: (
        RecordKind.SUPPLIER_INVOICE.value,
        RecordKind.SUPPLIER_CREDIT_NOTE.value,
        RecordKind.SUPPLIER_PAYMENT.value,
    ),
}
_CHUNK = 500
# the states an entry reaches only once a request has left for the package
_LEFT = (EntryState.PROCESSING.value, EntryState.SENT.value, EntryState.UNCERTAIN.value)


@dataclass(frozen=True)
class StoredBatch:
    id: int
    connection_id: int
    company_id: int
    record_kind: RecordKind
    summary: dict[str, Any]
    created_at: datetime
    undone_at: datetime | None
    records: int  # how many of its records are still held by the batch (kept ones after an undo)


class ImportRepository:
    """The import batches of one company; nothing here reaches another company's."""

    def __init__(self, session: Session, company_id: int) -> None:
        self.session = session
        self.company_id = company_id

    def add_batch(
        self,
        *,
        connection_id: int,
        kind: RecordKind,
        summary: dict[str, Any],
        records: Sequence[tuple[str, str]],
    ) -> StoredBatch:
        """A committed import and the (source_id, package_id) of every record it created."""
        row = ImportBatchRow(
            connection_id=connection_id,
            company_id=self.company_id,
            record_kind=kind.value,
            summary=json.dumps(summary, sort_keys=True),
        )
        self.session.add(row)
        self.session.flush()
        if records:
            self.session.execute(
                insert(ImportBatchRecordRow),
                [
                    {"batch_id": row.id, "record_kind": kind.value, "source_id": s, "package_id": p}
                    for s, p in records
                ],
            )
        return self._stored(row, len(records))

    def _row(self, batch_id: int) -> ImportBatchRow:
        row = self.session.scalar(
            select(ImportBatchRow).where(
                ImportBatchRow.id == batch_id, ImportBatchRow.company_id == self.company_id
            )
        )
        if row is None:
            raise RecordNotFound(f"there is no import batch {batch_id} for this company")
        return row

    def get(self, batch_id: int) -> StoredBatch:
        row = self._row(batch_id)
        return self._stored(row, self._count(batch_id))

    def batches(self) -> list[StoredBatch]:
        counts = dict(
            self.session.execute(
                select(ImportBatchRecordRow.batch_id, func.count())
                .join(ImportBatchRow, ImportBatchRow.id == ImportBatchRecordRow.batch_id)
                .where(ImportBatchRow.company_id == self.company_id)
                .group_by(ImportBatchRecordRow.batch_id)
            ).all()
        )
        rows = self.session.scalars(
            select(ImportBatchRow)
            .where(ImportBatchRow.company_id == self.company_id)
            .order_by(ImportBatchRow.id)
        )
        return [self._stored(row, int(counts.get(row.id, 0))) for row in rows]

    def records(self, batch_id: int) -> list[tuple[str, str]]:
        """(source_id, package_id) of the records the batch still holds."""
        self._row(batch_id)
        rows = self.session.execute(
            select(ImportBatchRecordRow.source_id, ImportBatchRecordRow.package_id)
            .where(ImportBatchRecordRow.batch_id == batch_id)
            .order_by(ImportBatchRecordRow.id)
        )
        return [(row.source_id, row.package_id) for row in rows]

    def usage(self, connection_id: int, kind: RecordKind, source_ids: Iterable[str]) -> dict[str, str]:
        """Why each of these parties is in use since it was imported (absent: not in use).

        A party is in use once a financial record names it (an invoice raised, a payment taken), or
        once anything for it has been sent (or a send tried) to the package.
        """
        wanted = list(dict.fromkeys(source_ids))
        reasons: dict[str, str] = {}
        for start in range(0, len(wanted), _CHUNK):
            part = wanted[start : start + _CHUNK]
            used = self.session.execute(
                select(RecordRow.party_source_id, RecordRow.kind, func.count())
                .where(
                    RecordRow.company_id == self.company_id,
                    RecordRow.kind.in_(_CHILD_KINDS[kind]),
                    RecordRow.party_source_id.in_(part),
                )
                .group_by(RecordRow.party_source_id, RecordRow.kind)
                .order_by(RecordRow.party_source_id, RecordRow.kind)
            )
            for party, child_kind, count in used:
                label = RecordKind(child_kind).label
                said = f"{count} {label}{'s' if count != 1 else ''} raised for it"
                reasons[str(party)] = f"{reasons[party]}; {said}" if party in reasons else said
            # an entry merely waiting (the outbox notices every record) has sent nothing: only one
            # that a request left for counts
            sent = self.session.execute(
                select(OutboxEntryRow.source_id, OutboxEntryRow.state).where(
                    OutboxEntryRow.connection_id == connection_id,
                    OutboxEntryRow.record_kind == kind.value,
                    OutboxEntryRow.source_id.in_(part),
                    (OutboxEntryRow.attempts > 0) | OutboxEntryRow.state.in_(_LEFT),
                )
            )
            for source_id, state in sent:
                said = (
                    "sent to the package"
                    if state == EntryState.SENT
                    else f"a send to the package was tried ({state})"
                )
                reasons[source_id] = f"{reasons[source_id]}; {said}" if source_id in reasons else said
        return reasons

    def remove_records(self, batch_id: int, kind: RecordKind, source_ids: Sequence[str]) -> None:
        """Forget these records: the jobs-side records themselves and their place in the batch."""
        self._row(batch_id)
        for start in range(0, len(source_ids), _CHUNK):
            part = list(source_ids[start : start + _CHUNK])
            self.session.execute(
                delete(RecordRow).where(
                    RecordRow.company_id == self.company_id,
                    RecordRow.kind == kind.value,
                    RecordRow.source_id.in_(part),
                )
            )
            self.session.execute(
                delete(ImportBatchRecordRow).where(
                    ImportBatchRecordRow.batch_id == batch_id,
                    ImportBatchRecordRow.source_id.in_(part),
                )
            )

    def link_imported(self, connection_id: int, kind: RecordKind, pairs: Sequence[tuple[str, str]]) -> None:
        """Link each (source_id, package_id) as "imported", all in one statement.

        The same promise as LinkRepository.add, one to one both ways, kept for a whole batch at once
        (one by one, linking 2,000 imported customers took seconds): a record or package contact
        linked already is refused, naming both sides, and nothing of the batch is linked.
        """
        for start in range(0, len(pairs), _CHUNK):
            part = pairs[start : start + _CHUNK]
            clash = self.session.execute(
                select(LinkRow.source_id, LinkRow.package_id).where(
                    LinkRow.connection_id == connection_id,
                    LinkRow.record_kind == kind.value,
                    LinkRow.source_id.in_([s for s, _ in part])
                    | LinkRow.package_id.in_([p for _, p in part]),
                )
            ).first()
            if clash is not None:
                raise LinkConflict(
                    f"{kind.label} {clash.source_id} is already linked to package {kind.label} "
                    f"{clash.package_id}; the import links neither again"
                )
        if pairs:
            now = utcnow()
            self.session.execute(
                insert(LinkRow),
                [
                    {
                        "connection_id": connection_id,
                        "record_kind": kind.value,
                        "source_id": source_id,
                        "package_id": package_id,
                        "how": "imported",
                        "version_sent": "",
                        "linked_at": now,
                    }
                    for source_id, package_id in pairs
                ],
            )

    def unlink(self, connection_id: int, kind: RecordKind, source_ids: Sequence[str]) -> None:
        for start in range(0, len(source_ids), _CHUNK):
            self.session.execute(
                delete(LinkRow).where(
                    LinkRow.connection_id == connection_id,
                    LinkRow.record_kind == kind.value,
                    LinkRow.source_id.in_(list(source_ids[start : start + _CHUNK])),
                )
            )

    def mark_undone(self, batch_id: int, summary: dict[str, Any]) -> StoredBatch:
        row = self._row(batch_id)
        row.undone_at = utcnow()
        row.summary = json.dumps(summary, sort_keys=True)
        self.session.flush()
        return self._stored(row, self._count(batch_id))

    def _count(self, batch_id: int) -> int:
        return int(
            self.session.scalar(select(func.count()).where(ImportBatchRecordRow.batch_id == batch_id)) or 0
        )

    @staticmethod
    def _stored(row: ImportBatchRow, records: int) -> StoredBatch:
        return StoredBatch(
            id=row.id,
            connection_id=row.connection_id,
            company_id=row.company_id,
            record_kind=RecordKind(row.record_kind),
            summary=json.loads(row.summary or "{}"),
            created_at=row.created_at,
            undone_at=row.undone_at,
            records=records,
        )
