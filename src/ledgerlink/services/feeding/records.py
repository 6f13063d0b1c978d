"""Feeding records in: validate each against the company's reference lists and what is already stored.

A record with an error is left out and reported, alone; its neighbours are stored. Re-feeding an
unchanged record changes nothing; a changed one replaces the stored one with a new version. Records of
one batch are checked in the order they take effect, so a payment may settle an invoice fed with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from ledgerlink.domain.ledger import Ledger, allocation_target, credit_target, effect_order
from ledgerlink.domain.records import (
    CreditNote,
    CustomerPayment,
    DocumentFigures,
    Invoice,
    Record,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
    is_cancelled,
    party_of,
)
from ledgerlink.domain.validation import Finding, ReferenceData, has_errors, validate
from ledgerlink.errors import ConcurrentWrite, RecordNotFound
from ledgerlink.services.feeding.gc_pause import paused_garbage_collection
from ledgerlink.store import RecordWrite, Store, StoredRecord, UnitOfWork
from ledgerlink.store.records import RecordRepository

Result = Literal["created", "updated", "unchanged", "rejected"]
Key = tuple[RecordKind, str]
Progress = Callable[[int], None]
_DOCUMENTS = (Invoice, CreditNote, SupplierInvoice, SupplierCreditNote)


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    kind: RecordKind
    source_id: str
    result: Result
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class IngestReport:
    """What happened to each record fed: stored, left as it was, or rejected with its reasons."""

    outcomes: tuple[RecordOutcome, ...]

    @property
    def counts(self) -> dict[Result, int]:
        found = Counter(outcome.result for outcome in self.outcomes)
        return {result: found.get(result, 0) for result in ("created", "updated", "unchanged", "rejected")}

    @property
    def created(self) -> int:
        return self.counts["created"]

    @property
    def updated(self) -> int:
        return self.counts["updated"]

    @property
    def unchanged(self) -> int:
        return self.counts["unchanged"]

    @property
    def rejected(self) -> tuple[RecordOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if outcome.result == "rejected")

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(finding for outcome in self.outcomes for finding in outcome.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == "warning")


def _figures(record: Record, percent_by_rate: dict[str, Decimal]) -> DocumentFigures | None:
    if isinstance(record, _DOCUMENTS):
        return record.figures(percent_by_rate)
    return None


def feed(store: Store, company_id: int, records: Iterable[Record]) -> IngestReport:
    """Check and store records in one transaction; a record with an error is left out alone."""
    with store.unit_of_work() as uow:
        report = ingest(uow, company_id, records)
        uow.commit()
    return report


@dataclass(frozen=True)
class FedRecord:
    """What came of feeding one record: its outcome, and the record as stored (None when refused)."""

    outcome: RecordOutcome
    stored: StoredRecord | None


def feed_one(store: Store, company_id: int, record: Record, *, attempts: int = 3) -> FedRecord:
    """Check and store one record; refused, nothing of it is kept (the REST API answers 422).

    Figures that cannot be worked out raise ArithmeticError, and nothing is kept either.

    A job system that retries a call, or sends one record from several workers, has two requests create
    the same new record at once: both find nothing stored, and the second insert breaks the unique key
    (on PostgreSQL it waits for the first to commit, then fails). The loser's unit of work is tried again
    from the start, and finds the record the winner stored: one request creates it, the others update it
    or leave it unchanged.
    """
    for _ in range(attempts - 1):
        try:
            return _feed_one(store, company_id, record)
        except ConcurrentWrite:
            continue  # another request stored it first: the next try finds it
    return _feed_one(store, company_id, record)


CANCELLABLE = frozenset({RecordKind.INVOICE, RecordKind.SUPPLIER_INVOICE})


def cancel_record(store: Store, company_id: int, kind: RecordKind, source_id: str, on: date) -> FedRecord:
    """The job system cancelled a job after invoicing: the invoice (or bill) is kept, marked cancelled on
    `on`, so it counts for nothing; the next send voids the package's copy, or says what must go first.

    Cancelling again changes nothing. RecordNotFound when there is no such record.
    """
    if kind not in CANCELLABLE:
        raise RecordNotFound(f"only invoices and supplier invoices can be cancelled, not a {kind.label}")
    with store.unit_of_work() as uow:
        stored = uow.records(company_id).find(kind, source_id)
    if stored is None:
        raise RecordNotFound(f"there is no {kind.label} {source_id}")
    record = stored.record
    if is_cancelled(record):
        return feed_one(store, company_id, record)
    return feed_one(store, company_id, record.model_copy(update={"cancelled_on": on}))


def _feed_one(store: Store, company_id: int, record: Record) -> FedRecord:
    with store.unit_of_work() as uow:
        outcome = ingest(uow, company_id, [record]).outcomes[0]
        if outcome.result == "rejected":
            return FedRecord(outcome, None)
        stored = uow.records(company_id).get(outcome.kind, outcome.source_id)
        uow.commit()
    return FedRecord(outcome, stored)


def ingest(
    uow: UnitOfWork,
    company_id: int,
    records: Iterable[Record],
    *,
    reference: ReferenceData | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Validate and store `records` for one company inside `uow` (the caller commits)."""
    return ingest_parts(uow, company_id, [records], reference=reference, progress=progress)


def ingest_parts(
    uow: UnitOfWork,
    company_id: int,
    parts: Iterable[Iterable[Record]],
    *,
    reference: ReferenceData | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Validate and store records that arrive a part at a time, each part taken as `ingest` takes a feed.

    A part may settle documents of an earlier part (they are read back from the store) but never of a
    later one, so books fed in parts in date order are never held whole. The report covers every part.
    """
    with paused_garbage_collection():
        repository = uow.records(company_id)
        reference = reference if reference is not None else uow.reference(company_id).reference_data()
        outcomes: list[RecordOutcome] = []
        for part in parts:
            outcomes.extend(_ingest(repository, part, reference, progress))
        return IngestReport(tuple(outcomes))


def _ingest(
    repository: RecordRepository,
    records: Iterable[Record],
    reference: ReferenceData,
    progress: Progress | None,
) -> list[RecordOutcome]:
    batch: dict[Key, Record] = {}
    for record in records:
        batch[(record.kind, record.source_id)] = record  # the last of two with one id wins
    percent = reference.percent_by_rate

    context = _stored_context(repository, batch)
    unknown = _unknown_parties(repository, batch)
    settled_already = {id(record) for record in context}
    ledger = Ledger(percent_by_rate=percent)
    outcomes: dict[Key, RecordOutcome] = {}
    writes: list[RecordWrite] = []
    for record in sorted([*batch.values(), *context], key=effect_order):
        figures = _figures(record, percent)
        totals = figures.totals if figures is not None else None
        gross = totals.gross if totals is not None else None
        if settled_already and id(record) in settled_already:
            ledger.apply(record, gross=gross)
            continue
        findings = tuple(validate(record, reference, ledger.open_items, totals=totals))
        party = party_of(record)
        if party in unknown:
            findings += (_waits_for(record, party),)
        if findings and has_errors(findings):
            key = (record.kind, record.source_id)
            outcomes[key] = RecordOutcome(record.kind, record.source_id, "rejected", findings)
            continue
        ledger.apply(record, gross=gross)
        if totals is None and isinstance(record, CustomerPayment | SupplierPayment):
            gross = record.amount
        line_vat = figures.line_vat if figures is not None else None
        writes.append(RecordWrite(record, gross, findings, line_vat=line_vat))

    stored = repository.upsert(_ticking(writes, progress))
    for write, result in zip(writes, stored, strict=True):
        record = write.record
        outcomes[(record.kind, record.source_id)] = RecordOutcome(
            record.kind, record.source_id, result, tuple(write.findings)
        )
    return [outcomes[key] for key in batch]


def _unknown_parties(repository: RecordRepository, batch: dict[Key, Record]) -> set[Key]:
    """The customers and suppliers the batch's documents and payments name that the jobs side lacks."""
    named = {party for record in batch.values() if (party := party_of(record)) is not None} - batch.keys()
    if not named:
        return set()
    return named if repository.is_empty() else named - repository.existing(named)


def _waits_for(record: Record, party: Key) -> Finding:
    """A record for a party the jobs side does not hold is kept, and says plainly what it waits for."""
    kind, source_id = party
    return Finding(
        record.kind,
        record.source_id,
        f"{kind.value}_id",
        f"there is no {kind.label} {source_id} yet: the {record.kind.label} is kept, and waits for that "
        f"{kind.label} before it can be sent",
        "warning",
    )


def _stored_context(repository: RecordRepository, batch: dict[Key, Record]) -> list[Record]:
    """The stored documents the batch settles, and the stored credits and payments already on them."""
    targets: set[Key] = set()
    for record in batch.values():
        if isinstance(record, CreditNote | SupplierCreditNote):
            target = credit_target(record)
            if target:
                targets.add(target)
        elif isinstance(record, CustomerPayment | SupplierPayment):
            kind = allocation_target(record)
            targets.update((kind, allocation.document_id) for allocation in record.allocations)
    if not targets or repository.is_empty():
        return []
    documents = repository.load(key for key in targets if key not in batch)
    # a refund settles credit notes, which in turn may be set against an invoice: load those too
    credited = [
        target
        for stored in documents
        if isinstance(stored.record, CreditNote | SupplierCreditNote)
        and (target := credit_target(stored.record)) is not None
        and target not in batch
    ]
    documents += repository.load(credited)
    settling = repository.children(targets | set(credited), excluding=batch)
    seen: set[Key] = set()
    context: list[Record] = []
    for stored in [*documents, *settling]:
        key = (stored.kind, stored.source_id)
        if key in batch or key in seen:
            continue
        seen.add(key)
        context.append(stored.record)
    return context


def _ticking(writes: list[RecordWrite], progress: Progress | None) -> Iterator[RecordWrite]:
    for count, write in enumerate(writes, start=1):
        yield write
        if progress is not None and count % 500 == 0:
            progress(500)
    if progress is not None and len(writes) % 500:
        progress(len(writes) % 500)
