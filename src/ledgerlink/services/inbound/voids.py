"""Documents voided or deleted in the package, and documents whose figures changed there.

An invoice or bill ledgerlink sent and the package voided is cancelled on the jobs side too, as the
job system cancels one (its `cancelled_on`, the day of the void): it counts for nothing, its balance is
no longer owed, and since its sent entry stands at the cancelled version, no send voids it again or
sends anything else for it. Applied only where nothing else is at stake; listed for a person when the
jobs side still sets payments or credit notes against it (the package would not void it with money
set against it, so the two sides disagree), when the job system changed it since it was sent, or when
it is a credit note (the jobs side cannot cancel one).
"""

from __future__ import annotations

from ledgerlink.domain.records import Invoice, SupplierInvoice, is_cancelled
from ledgerlink.packages.changes import DocumentChange, Removal
from ledgerlink.services.inbound.settled import (
    DOCUMENT_KINDS,
    Settled,
    changed_since_sent,
    keep_in_step,
    person,
    record_json,
)
from ledgerlink.services.sending.names import RecordNames
from ledgerlink.store import UnitOfWork
from ledgerlink.store.connections import Connection

VOIDED_THERE = "voided in the package"


def document_changed(uow: UnitOfWork, connection: Connection, change: DocumentChange | Removal) -> Settled:
    links = uow.links(connection.id)
    kinds = (
        [DOCUMENT_KINDS[change.document_type]]
        if isinstance(change, DocumentChange)
        else list(DOCUMENT_KINDS.values())
    )
    link = next(
        (found for kind in kinds if (found := links.find_by_package_id(kind, change.package_id)) is not None),
        None,
    )
    if link is None:
        return Settled("ignored", "a document ledgerlink did not send")
    kind = link.record_kind
    stored = uow.records(connection.company_id).find(kind, link.source_id)
    if stored is None:
        return Settled("ignored", "the jobs side no longer holds it", kind, link.source_id)
    if isinstance(change, DocumentChange) and not change.voided:
        if stored.gross is not None and stored.gross != change.gross:
            return person(
                f"the package's total {change.gross} differs from the jobs side's {stored.gross}: "
                "its lines were changed there",
                kind,
                link.source_id,
            )
        return Settled("ignored", "nothing the jobs side holds changed", kind, link.source_id)
    record = stored.record
    if is_cancelled(record):
        return Settled("ours", "cancelled on the jobs side already", kind, link.source_id)
    names = RecordNames.read(uow, connection.company_id, [(kind, link.source_id)])
    name = names.short((kind, link.source_id))
    status = "deleted" if isinstance(change, Removal) else change.status
    if not isinstance(record, Invoice | SupplierInvoice):
        return person(
            f"{name} was {status.lower()} in the package; the jobs side cannot cancel a {kind.label}: "
            "take it off in the job system, or raise it again in the package",
            kind,
            link.source_id,
        )
    settling = uow.records(connection.company_id).children({(kind, link.source_id)})
    if settling:
        held = RecordNames.read(uow, connection.company_id, [(s.kind, s.source_id) for s in settling])
        against = ", ".join(held.short((s.kind, s.source_id)) for s in settling)
        return person(
            f"{name} was {status.lower()} in the package, but the jobs side sets {against} against it: "
            "take those off it in the job system, then cancel it there",
            kind,
            link.source_id,
        )
    if changed_since_sent(uow, connection, stored):
        return person(
            f"{name} was {status.lower()} in the package, and changed in the job system since it was sent",
            kind,
            link.source_id,
        )
    cancelled = record.model_copy(update={"cancelled_on": change.changed_at.date()})
    kept = keep_in_step(uow, connection, cancelled, VOIDED_THERE)
    if isinstance(kept, str):
        return person(kept, kind, link.source_id)
    detail = {"record": record_json(cancelled), "package_status": status}
    return Settled("applied", "", kind, link.source_id, "voided", detail)
