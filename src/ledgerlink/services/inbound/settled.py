"""What became of one change read from the package, as each kind of change is settled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ledgerlink.domain.records import Record, RecordKind
from ledgerlink.packages.drafts import DocumentType
from ledgerlink.services.feeding.records import ingest
from ledgerlink.store import StoredRecord, UnitOfWork
from ledgerlink.store.connections import Connection

State = Literal["applied", "ours", "ignored", "needs_person", "waiting"]

DOCUMENT_KINDS: dict[DocumentType, RecordKind] = {
    DocumentType.SALES_INVOICE: RecordKind.INVOICE,
    DocumentType.SALES_CREDIT_NOTE: RecordKind.CREDIT_NOTE,
    DocumentType.PURCHASE_INVOICE: RecordKind.SUPPLIER_INVOICE,
    DocumentType.PURCHASE_CREDIT_NOTE: RecordKind.SUPPLIER_CREDIT_NOTE,
}


@dataclass(frozen=True)
class Settled:
    """What became of one change: its state, the jobs-side record it touched, and the event it made."""

    state: State
    reason: str = ""
    record_kind: RecordKind | None = None
    source_id: str = ""
    # the event's word: created, updated, deleted, voided, allocated, unallocated, needs_person; "" for none
    what: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def person(reason: str, kind: RecordKind | None = None, source_id: str = "") -> Settled:
    """Listed for a person with the reason: never guessed."""
    return Settled("needs_person", reason, kind, source_id, "needs_person")


def record_json(record: Record) -> dict[str, Any]:
    return {"kind": record.kind.value, **record.model_dump(mode="json")}


def changed_since_sent(uow: UnitOfWork, connection: Connection, stored: StoredRecord) -> bool:
    """Whether the job system changed a record after ledgerlink sent it: the package's change and the
    job system's would then both stand to be kept, which is for a person to settle."""
    link = uow.links(connection.id).find(stored.kind, stored.source_id)
    return link is not None and bool(link.version_sent) and link.version_sent != stored.version


def keep_in_step(uow: UnitOfWork, connection: Connection, record: Record, reason: str) -> StoredRecord | str:
    """Store a new version of a record ledgerlink sent, changed as the package changed it, and keep it
    in step with the package: its link and its sent entries stand at the new version, so nothing goes
    back out for it. Answers the stored record, or why the jobs side refuses it."""
    outcome = ingest(uow, connection.company_id, [record]).outcomes[0]
    if outcome.result == "rejected":
        return "the jobs side refuses it: " + "; ".join(str(finding) for finding in outcome.findings)
    stored = uow.records(connection.company_id).get(record.kind, record.source_id)
    uow.links(connection.id).set_version_sent(record.kind, record.source_id, stored.version)
    uow.inbound(connection).changed_by_package(record.kind, record.source_id, stored.version, reason)
    return stored
