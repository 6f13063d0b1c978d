"""The jobs side's records as what comes back from the package leaves them, beside the outbox.

A record that came from the package, or a change the package made to a record ledgerlink sent (a
credit note allocated there, an invoice voided there), is held in the outbox as sent already at its new
version: the package holds it that way, so nothing goes back out for it and it is never taken for a
change made in the job system after sending.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ledgerlink.domain.outbox import EntryState, Step, idempotency_key
from ledgerlink.domain.records import RECORD_TYPES, Record, RecordKind
from ledgerlink.store.connection_tables import LinkRow, OutboxEntryRow
from ledgerlink.store.tables import RecordFindingRow, RecordParentRow, RecordRow, utcnow


@dataclass(frozen=True)
class HeldAllocation:
    """A credit note's allocation to its invoice, as the outbox holds it once it is in the package."""

    record_kind: RecordKind  # the credit note's
    source_id: str
    package_id: str  # the package's id of the allocation
    state: EntryState


class FromPackageRecords:
    session: Session
    connection_id: int
    company_id: int

    def arrived_from_package(
        self,
        record_id: int,
        kind: RecordKind,
        source_id: str,
        version: str,
        package_id: str,
        *,
        step: Step = Step.CREATE,
        reason: str = "",
    ) -> None:
        """The outbox holds a record (or a credit note's allocation) that the package made as sent
        already, so it never goes out.

        Stored with the package's id, it stands beside the records ledgerlink sent: a later change to
        it on the jobs side is flagged as a change after sending, never created again.
        """
        held = self.session.scalar(
            select(OutboxEntryRow).where(
                OutboxEntryRow.connection_id == self.connection_id,
                OutboxEntryRow.record_kind == kind.value,
                OutboxEntryRow.source_id == source_id,
                OutboxEntryRow.step == step.value,
            )
        )
        now = utcnow()
        if held is None:
            held = OutboxEntryRow(
                connection_id=self.connection_id,
                record_id=record_id,
                record_kind=kind.value,
                source_id=source_id,
                step=step.value,
                idempotency_key=idempotency_key(self.connection_id, kind, source_id, version, step),
                created_at=now,
            )
            self.session.add(held)
        held.record_version = version
        held.state = EntryState.SENT.value
        held.package_id = package_id
        held.changed_after_sending = ""
        held.updated_at = now
        held.sent_at = held.sent_at or now
        if reason:
            held.reason = reason
        self.session.flush()

    def changed_by_package(self, kind: RecordKind, source_id: str, version: str, reason: str) -> None:
        """A record ledgerlink sent, changed to match what the package did to it: each of its sent
        entries stands at the new version, so the change is not sent back as the job system's own."""
        self.session.execute(
            update(OutboxEntryRow)
            .where(
                OutboxEntryRow.connection_id == self.connection_id,
                OutboxEntryRow.record_kind == kind.value,
                OutboxEntryRow.source_id == source_id,
                OutboxEntryRow.state == EntryState.SENT.value,
            )
            .values(record_version=version, reason=reason, changed_after_sending="", updated_at=utcnow())
        )

    def allocation(self, kind: RecordKind, source_id: str) -> HeldAllocation | None:
        """The allocation step of one credit note, if it has one."""
        row = self.session.scalar(
            select(OutboxEntryRow).where(
                OutboxEntryRow.connection_id == self.connection_id,
                OutboxEntryRow.record_kind == kind.value,
                OutboxEntryRow.source_id == source_id,
                OutboxEntryRow.step == Step.ALLOCATE.value,
            )
        )
        return _held(row) if row is not None else None

    def allocation_by_package_id(self, package_id: str) -> HeldAllocation | None:
        """The credit note whose allocation the package knows by `package_id`, if ledgerlink holds one."""
        row = self.session.scalar(
            select(OutboxEntryRow).where(
                OutboxEntryRow.connection_id == self.connection_id,
                OutboxEntryRow.step == Step.ALLOCATE.value,
                OutboxEntryRow.package_id == package_id,
            )
        )
        return _held(row) if row is not None else None

    def drop_allocation(self, kind: RecordKind, source_id: str) -> None:
        """Forget the allocation step of a credit note whose allocation came from the package and was
        taken off there: the credit note no longer names an invoice, so there is nothing to send."""
        self.session.execute(
            delete(OutboxEntryRow).where(
                OutboxEntryRow.connection_id == self.connection_id,
                OutboxEntryRow.record_kind == kind.value,
                OutboxEntryRow.source_id == source_id,
                OutboxEntryRow.step == Step.ALLOCATE.value,
            )
        )

    def remove_from_package_record(self, kind: RecordKind, source_id: str) -> Record | None:
        """Take a record that came from the package off the jobs side, with its link and outbox entry,
        because the package deleted it; answers the record as it was. Records the job system made are
        never removed here."""
        link = self.session.scalar(
            select(LinkRow).where(
                LinkRow.connection_id == self.connection_id,
                LinkRow.record_kind == kind.value,
                LinkRow.source_id == source_id,
                LinkRow.how == "from_package",
            )
        )
        if link is None:
            return None
        self.session.delete(link)
        row = self.session.scalar(
            select(RecordRow).where(
                RecordRow.company_id == self.company_id,
                RecordRow.kind == kind.value,
                RecordRow.source_id == source_id,
            )
        )
        if row is None:
            return None
        record = RECORD_TYPES[kind].model_validate_json(row.content)
        for table in (OutboxEntryRow, RecordParentRow, RecordFindingRow):
            self.session.execute(delete(table).where(table.record_id == row.id))
        self.session.delete(row)
        self.session.flush()
        return record


def _held(row: OutboxEntryRow) -> HeldAllocation:
    return HeldAllocation(RecordKind(row.record_kind), row.source_id, row.package_id, EntryState(row.state))
