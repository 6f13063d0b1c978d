"""Import customers and suppliers from the package: staged, explained, and reversible.

The package-first path starts from a business whose customers live in its accounting package. Other
products import them in one irreversible step; here an import is three: a preview (what each contact
becomes and every problem with it, nothing written), a commit (one batch: records created, each linked
to its package contact), and an undo (the batch's records and links removed, except those used since,
which are kept with the reason). A contact already on the jobs side, by link or by a sure match, is not
created again but offered for linking, so running an import twice creates nothing the second time.

These functions are what the command line and the web wizard call; each opens its own unit of work.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledgerlink.domain.records import Customer, RecordKind, Supplier
from ledgerlink.errors import RecordNotFound
from ledgerlink.matching import match
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.importing.fields import FieldRow
from ledgerlink.services.importing.fields import field_table as _field_table
from ledgerlink.services.importing.quality import (
    Duplicate,
    ImportSummary,
    RecordReport,
    duplicates_within,
    party_of,
    summarise,
    to_csv,
)
from ledgerlink.services.importing.review import field_changes, merged
from ledgerlink.services.importing.transform import (
    ImportKind,
    Issue,
    IssueCode,
    Transformed,
    record_kind,
    transform_all,
)
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.connections import Connection
from ledgerlink.store.imports import StoredBatch

__all__ = [
    "ImportBatch",
    "ImportPreview",
    "KeptRecord",
    "UndoReport",
    "commit_import",
    "field_table",
    "list_batches",
    "preview_import",
    "undo_import",
]


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do, record by record, before anything is written."""

    company_id: int
    connection_id: int
    package: str
    kind: ImportKind
    records: tuple[RecordReport, ...]
    summary: ImportSummary
    transformed: tuple[Transformed, ...]  # what the package said, tidied: a commit writes exactly this

    def to_csv(self) -> str:
        """One row per contact: package id, name, what it becomes, errors, warnings, duplicate-of."""
        return to_csv(self.records)

    def of(self, outcome: str) -> tuple[RecordReport, ...]:
        return tuple(record for record in self.records if record.outcome == outcome)


@dataclass(frozen=True)
class ImportBatch:
    """One committed import: the records it created (still holds), and the counts it was made with."""

    id: int
    connection_id: int
    kind: ImportKind
    created_at: datetime
    undone_at: datetime | None
    records: int
    summary: dict[str, Any]

    @property
    def created(self) -> int:
        return int(self.summary.get("created", 0))


@dataclass(frozen=True)
class KeptRecord:
    source_id: str
    package_id: str
    reason: str


@dataclass(frozen=True)
class UndoReport:
    """What an undo removed, and what it kept and why (records used since the import)."""

    batch_id: int
    removed: tuple[str, ...]
    kept: tuple[KeptRecord, ...]


def field_table(package: str) -> tuple[FieldRow, ...]:
    """Which package field goes to which jobs-side field, for one package."""
    return _field_table(package)


# --- preview ---------------------------------------------------------------------------------------


async def preview_import(
    connectors: ConnectorFactory, company_id: int, kind: ImportKind, *, connection_id: int | None = None
) -> ImportPreview:
    """Read the package's contacts and say what importing them would do; nothing is written."""
    connection = _connection(connectors.store, company_id, connection_id)
    transformed = await _read(connectors, connection, kind)
    with connectors.store.unit_of_work() as uow:
        return _plan(uow, company_id, connection, kind, transformed)


async def _read(connectors: ConnectorFactory, connection: Connection, kind: ImportKind) -> list[Transformed]:
    connector = connectors.connector(connection)
    try:
        contacts = [contact async for contact in connector.contacts()]
    finally:
        await connector.aclose()
    return transform_all(contacts, kind, package=connection.package)


def _connection(store: Store, company_id: int, connection_id: int | None) -> Connection:
    with store.unit_of_work() as uow:
        repository = uow.connections(company_id)
        connection = repository.get(connection_id) if connection_id else repository.current()
    if connection is None:
        raise RecordNotFound(
            "the company is not connected to a package: run `ledgerlink connect PACKAGE` before importing"
        )
    return connection


def _plan(
    uow: UnitOfWork,
    company_id: int,
    connection: Connection,
    kind: ImportKind,
    transformed: Sequence[Transformed],
) -> ImportPreview:
    """Decide each contact's outcome against what the jobs side holds now."""
    rk = record_kind(kind)
    links = uow.links(connection.id)
    linked = {link.package_id: link.source_id for link in links.all(rk)}
    linked_sources = set(linked.values())
    existing: dict[str, Customer | Supplier] = {}
    for chunk in uow.records(company_id).iter_chunks(rk):
        for stored in chunk:
            if isinstance(stored.record, Customer | Supplier):
                existing[stored.source_id] = stored.record
    duplicates = duplicates_within(transformed)

    decided: dict[str, RecordReport] = {}
    candidates: list[Transformed] = []
    claimed: set[str] = set()
    for item in transformed:
        if item.errors:
            decided[item.package_id] = _report(item, "skip", reason=item.errors[0].message)
        elif item.package_id in linked:
            decided[item.package_id] = _report(
                item, "already_linked", linked_to=linked[item.package_id], reason="linked already"
            )
        elif item.source_id in existing:
            claimed.add(item.source_id)
            decided[item.package_id] = _report(
                item,
                "offer_link",
                linked_to=item.source_id,
                reason="the jobs side already holds a record with this id",
            )
        else:
            candidates.append(item)

    similar: dict[str, Issue] = {}
    open_jobs = [
        party_of(record, source_id)
        for source_id, record in existing.items()
        if source_id not in linked_sources and source_id not in claimed
    ]
    if open_jobs and candidates:
        right = [party_of(item.record, item.package_id) for item in candidates if item.record is not None]
        result = match(open_jobs, right)
        by_package = {item.package_id: item for item in candidates}
        for proposal in result.proposals:
            reasons = "; ".join(proposal.reasons)
            if proposal.band == "sure":
                decided[proposal.right_id] = _report(
                    by_package[proposal.right_id],
                    "offer_link",
                    linked_to=proposal.left_id,
                    reason=f"the same as jobs-side {proposal.left_id} ({reasons})",
                )
        # a likely proposal, or a candidate a person must choose between (review): created, with a word
        for proposal in (*result.proposals, *result.review):
            reasons = "; ".join(proposal.reasons)
            if proposal.band != "sure" and proposal.right_id not in similar:
                similar[proposal.right_id] = Issue(
                    IssueCode.SIMILAR_ON_JOBS_SIDE,
                    "",
                    f"may be jobs-side {proposal.left_id} ({reasons}); link it instead if so",
                )
    for item in candidates:
        if item.package_id not in decided:
            extra = (similar[item.package_id],) if item.package_id in similar else ()
            unstated = any(issue.code is IssueCode.ROLE_UNSTATED for issue in item.issues)
            decided[item.package_id] = _report(item, "ask" if unstated else "create", extra=extra)

    records: list[RecordReport] = []
    for item in transformed:
        report = decided[item.package_id]
        found = duplicates.get(item.package_id, ())
        if found:
            report = _with_duplicates(report, found)
        records.append(report)
    return ImportPreview(
        company_id=company_id,
        connection_id=connection.id,
        package=connection.package,
        kind=kind,
        records=tuple(records),
        summary=summarise(records),
        transformed=tuple(transformed),
    )


def _report(
    item: Transformed,
    outcome: Any,
    *,
    linked_to: str = "",
    reason: str = "",
    extra: tuple[Issue, ...] = (),
) -> RecordReport:
    return RecordReport(
        package_id=item.package_id,
        name=item.package_name,
        source_id=item.source_id,
        outcome=outcome,
        becomes=item.becomes,
        issues=item.issues + extra,
        linked_to=linked_to,
        reason=reason,
        changes=field_changes(item),
    )


def _with_duplicates(report: RecordReport, found: tuple[Duplicate, ...]) -> RecordReport:
    issue = Issue(
        IssueCode.DUPLICATE,
        "",
        "looks like " + ", ".join(f"{d.package_id} {d.name}".strip() for d in found) + " in the package",
    )
    return RecordReport(
        package_id=report.package_id,
        name=report.name,
        source_id=report.source_id,
        outcome=report.outcome,
        becomes=report.becomes,
        issues=(*report.issues, issue),
        duplicates=found,
        linked_to=report.linked_to,
        reason=report.reason,
        changes=report.changes,
    )


# --- commit ----------------------------------------------------------------------------------------


async def commit_import(
    connectors: ConnectorFactory,
    company_id: int,
    kind: ImportKind,
    *,
    preview: ImportPreview | None = None,
    connection_id: int | None = None,
    leave_out: Collection[str] = (),
    merge: Mapping[str, str] | None = None,
    take: Collection[str] = (),
) -> ImportBatch:
    """Create the records a preview would create, as one batch, each linked to its package contact.

    Given the preview a person approved, exactly its contacts are imported (decided again against
    the jobs side as it is now, so a record fed meanwhile is offered for linking, not duplicated);
    without one, the package is read afresh. `leave_out` names package contacts the person chose not
    to import (a duplicate typed twice, a contact no longer wanted): they stay in the package, unlinked.
    `merge` maps a contact to the one it duplicates: it is left out, and its details fill the blanks of
    the record the other becomes. `take` names the contacts the package does not say are customers or
    suppliers (the preview asks) that the person says belong to this import; the others it asks about
    stay out. Marks the onboarding step "import" done.
    """
    if preview is not None:
        if preview.company_id != company_id or preview.kind != kind:
            raise ValueError("the preview is of another company or kind")
        connection = _connection(connectors.store, company_id, preview.connection_id)
        transformed: Sequence[Transformed] = preview.transformed
    else:
        connection = _connection(connectors.store, company_id, connection_id)
        transformed = await _read(connectors, connection, kind)
    rk = record_kind(kind)
    with connectors.store.unit_of_work() as uow:
        plan = _plan(uow, company_id, connection, kind, transformed)
        by_source = {t.source_id: t for t in transformed}
        merging = {kept: other for other, kept in (merge or {}).items()}
        by_package = {t.package_id: t for t in transformed}
        left_out = set(leave_out) | set(merge or {})
        chosen = [r for r in plan.of("create") if r.package_id not in left_out]
        chosen += [r for r in plan.of("ask") if r.package_id in take and r.package_id not in left_out]
        wanted = [
            _merged(by_source[r.source_id], by_package.get(merging.get(r.package_id, ""))) for r in chosen
        ]
        report = ingest(uow, company_id, [record for record in wanted if record is not None])
        imports = uow.imports(company_id)
        created = [
            (outcome.source_id, by_source[outcome.source_id].package_id)
            for outcome in report.outcomes
            if outcome.result != "rejected"
        ]
        imports.link_imported(connection.id, rk, created)
        offered = [r for r in plan.of("offer_link") if r.package_id not in left_out]
        summary: dict[str, Any] = {
            **plan.summary.as_dict(),
            "package": connection.package,
            "created": len(created),
            "linked": _link_offers(uow, connection.id, rk, offered),
            "rejected": len(report.rejected),
            "left_out": len(plan.of("create")) + len(plan.of("ask")) - len(chosen),
            "merged": sum(1 for r in chosen if r.package_id in merging),
        }
        stored = imports.add_batch(connection_id=connection.id, kind=rk, summary=summary, records=created)
        uow.connections(company_id).mark_step(connection.id, "import")
        uow.commit()
    return _batch(stored)


def _merged(item: Transformed, other: Transformed | None) -> Customer | Supplier | None:
    if item.record is None or other is None or other.record is None:
        return item.record
    return merged(item.record, other.record)


def _link_offers(
    uow: UnitOfWork, connection_id: int, kind: RecordKind, offered: Sequence[RecordReport]
) -> int:
    """Link each contact the preview offered for linking, as the person who kept it ticked accepted.

    An offer is a jobs-side record with the contact's own id or a sure match; linking it here is what
    stops the send creating it a second time. A record or contact linked meanwhile is left as it is.
    Undoing the import keeps these links: they say the same customer is on both sides, which stays true.
    """
    links = uow.links(connection_id)
    decisions = uow.decisions(connection_id)
    linked = 0
    for offer in offered:
        if not offer.linked_to:
            continue
        if links.find(kind, offer.linked_to) or links.find_by_package_id(kind, offer.package_id):
            continue
        links.add(kind, offer.linked_to, offer.package_id, how="matched")
        decisions.add(kind, offer.linked_to, "accept", package_id=offer.package_id, decided_by="import")
        linked += 1
    return linked


def _batch(stored: StoredBatch) -> ImportBatch:
    kind: ImportKind = "customer" if stored.record_kind is RecordKind.CUSTOMER else "supplier"
    return ImportBatch(
        id=stored.id,
        connection_id=stored.connection_id,
        kind=kind,
        created_at=stored.created_at,
        undone_at=stored.undone_at,
        records=stored.records,
        summary=stored.summary,
    )


# --- batches and undo ------------------------------------------------------------------------------


def list_batches(store: Store, company_id: int) -> list[ImportBatch]:
    """Every import batch of the company, oldest first."""
    with store.unit_of_work() as uow:
        return [_batch(stored) for stored in uow.imports(company_id).batches()]


def undo_import(store: Store, company_id: int, batch_id: int) -> UndoReport:
    """Remove a batch's records and their links, keeping (with the reason) any record used since.

    A record is used once an invoice, credit note or payment names it, or once anything for it has
    been queued or sent to the package; removing it would orphan that. The others go. Undoing a batch
    again removes the kept ones that are no longer used.
    """
    with store.unit_of_work() as uow:
        imports = uow.imports(company_id)
        batch = imports.get(batch_id)
        held = imports.records(batch_id)
        if batch.undone_at is not None and not held:
            raise RecordNotFound(
                f"import batch {batch_id} has been undone already; nothing is left to remove"
            )
        used = imports.usage(batch.connection_id, batch.record_kind, [source for source, _ in held])
        kept = tuple(KeptRecord(s, p, used[s]) for s, p in held if s in used)
        removed = tuple(s for s, _ in held if s not in used)
        imports.unlink(batch.connection_id, batch.record_kind, removed)
        imports.remove_records(batch_id, batch.record_kind, removed)
        summary = {
            **batch.summary,
            "removed": int(batch.summary.get("removed", 0)) + len(removed),
            "kept": len(kept),
        }
        imports.mark_undone(batch_id, summary)
        if not any(other.records for other in imports.batches()):
            uow.connections(company_id).mark_step(batch.connection_id, "import", done=False)
        uow.commit()
    return UndoReport(batch_id=batch_id, removed=removed, kept=kept)
