"""Drafting the outbox a chunk at a time: what each waiting entry becomes, or why it cannot go yet.

An entry goes only when every record it names (its customer, the invoice a payment settles) is in the
package already; otherwise it is blocked, naming what it waits for. A record's own problem (an unmapped
nominal, a VAT rate the package lacks) fails that entry with the reason, and nothing is sent for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ledgerlink.domain.ledger import credit_target
from ledgerlink.domain.outbox import SETTLED_OUTSIDE, EntryState, OutboxEntry, Step
from ledgerlink.domain.records import (
    CreditNote,
    Record,
    RecordKind,
    SupplierCreditNote,
    is_cancelled,
    parents_of,
)
from ledgerlink.errors import NotReadyToSend
from ledgerlink.packages.drafts import Draft
from ledgerlink.services.sending.attempts import failed_change
from ledgerlink.services.sending.drafting import DraftRequest, build_draft
from ledgerlink.services.sending.refusals import RefusedMappings, already_refused
from ledgerlink.services.sending.resolver import ConnectionResolver, read_links
from ledgerlink.store import Store, StoredRecord, UnitOfWork
from ledgerlink.store.connections import Connection
from ledgerlink.store.outbox import OutboxRepository

CHUNK = 500
PAYMENT_KINDS = frozenset({RecordKind.CUSTOMER_PAYMENT, RecordKind.SUPPLIER_PAYMENT})


@dataclass(frozen=True)
class Item:
    """An entry ready to go: the record as it is now, and the draft the connector sends."""

    entry: OutboxEntry
    record: Record
    draft: Draft


@dataclass
class Drafted:
    """One chunk's drafts, and what could not be drafted yet (blocked) or at all (failed), by kind."""

    last_id: int
    items: list[Item] = field(default_factory=list)
    blocked: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


Key = tuple[RecordKind, str]
Stage = tuple[RecordKind, Step]


@dataclass(frozen=True)
class _Chunk:
    """A chunk's entries, the records they are for, the records each entry needs in the package
    first, and those of them that are there (their links), read together."""

    entries: list[OutboxEntry]
    stored: list[StoredRecord] = field(default_factory=list)
    parents: dict[int, list[Key]] = field(default_factory=dict)
    links: dict[Key, str] = field(default_factory=dict)


class ChunkDrafter:
    """Drafts one connection's waiting and blocked entries of one tier's steps, a chunk at a time, in
    order.

    While a chunk is drafted, the next one's entries, records and parents' links are read in a thread
    of their own: on a database server that read is mostly waiting for the server, which the drafting's
    own work then fills, where the workers otherwise waited for both one after the other. A chunk
    shorter than CHUNK is a step's last, so what is read next is the first chunk of the tier's next
    step. A tier's first chunk is read while the drafting reads the tier's mappings and the package's
    lists; it is as long as any other (docs/sending.md: a shorter one made sends of fifty records a
    call slower on SQLite). What is read ahead is only read: the drafting decides, in its own
    transaction, as it did with what it read itself. Nothing a tier sends is a parent of anything else
    in it (SEND_TIERS), so the links a chunk's parents have are the same when read ahead as when
    drafted.
    """

    def __init__(
        self,
        store: Store,
        connection: Connection,
        resolver_for: Callable[[UnitOfWork], ConnectionResolver],
        refused: RefusedMappings | None = None,
        *,
        tier: Sequence[Stage] = (),
    ) -> None:
        """`refused`: accounts the package refused earlier in the send, kept up to date by the sender;
        `tier`: the steps drafted one after the other, in order, none a parent of another."""
        self.store = store
        self.connection = connection
        self.resolver_for = resolver_for
        self.refused: RefusedMappings = {} if refused is None else refused
        self.tier = list(tier)
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledgerlink-read-ahead")
        self._ahead: tuple[tuple[RecordKind, Step, int], Future[_Chunk]] | None = None
        self._ended: set[tuple[RecordKind, Step, int]] = set()  # nothing after: the step's last was short

    def next(self, kind: RecordKind, step: Step, after: int) -> Drafted | None:
        """The next chunk of the step's entries after entry `after`, drafted (None: there are no more).

        Safe in a worker thread: it touches nothing the event loop's tasks change, and reports what it
        blocked or failed rather than counting it itself. One call at a time.
        """
        if (kind, step, after) in self._ended:
            return None
        ahead = self._ahead
        if ahead is None or ahead[0] != (kind, step, after):  # a tier's first chunk: read it beside
            self._read_ahead(kind, step, after)  # the mappings and lists the resolver reads meanwhile
        with self.store.unit_of_work() as uow:
            resolver = self.resolver_for(uow)
            chunk = self._chunk(kind, step, after)
            if not chunk.entries:
                return None
            last = chunk.entries[-1].id
            if len(chunk.entries) == CHUNK:
                self._read_ahead(kind, step, last)
            else:
                self._ended.add((kind, step, last))
                following = self._following((kind, step))
                if following is not None:
                    self._read_ahead(*following, 0)
            drafted = self._draft(uow.outbox(self.connection), chunk, resolver)
            uow.commit()
        return drafted

    def close(self) -> None:
        """Waits for a chunk still being read ahead, and lets its thread go."""
        self._ahead = None
        self._reader.shutdown(wait=True)

    def _read_ahead(self, kind: RecordKind, step: Step, after: int) -> None:
        try:
            self._ahead = ((kind, step, after), self._reader.submit(self._read, kind, step, after))
        except RuntimeError:  # closed: the send has ended while this chunk was drafted
            self._ahead = None

    def _following(self, stage: Stage) -> Stage | None:
        """The tier's step after `stage` (None: it is the last, or not of the tier)."""
        if stage not in self.tier:
            return None
        index = self.tier.index(stage) + 1
        return self.tier[index] if index < len(self.tier) else None

    def _chunk(self, kind: RecordKind, step: Step, after: int) -> _Chunk:
        """The chunk read ahead when it is the one asked for; read now otherwise (the send has ended)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == (kind, step, after):
            return ahead[1].result()
        return self._read(kind, step, after)

    def _read(self, kind: RecordKind, step: Step, after: int) -> _Chunk:
        with self.store.unit_of_work() as uow:
            entries = uow.outbox(self.connection).in_states(
                [EntryState.WAITING, EntryState.BLOCKED],
                kind=kind,
                step=step,
                after_id=after,
                limit=CHUNK,
            )
            if not entries:
                return _Chunk(entries)
            stored = uow.records(self.connection.company_id).load((e.kind, e.source_id) for e in entries)
            by_key = {(found.kind, found.source_id): found for found in stored}
            parents: dict[int, list[Key]] = {}
            for entry in entries:
                found = by_key.get((entry.kind, entry.source_id))
                if found is None:
                    continue
                needed = list(parents_of(found.record))
                if entry.step is Step.ALLOCATE:
                    needed.append((entry.kind, entry.source_id))
                parents[entry.id] = needed
            asked = {key for keys in parents.values() for key in keys}
            links = read_links(uow.links(self.connection.id), asked)
        return _Chunk(entries, stored, parents, links)

    def _draft(self, outbox: OutboxRepository, chunk: _Chunk, resolver: ConnectionResolver) -> Drafted:
        """Drafts for the entries whose parents are all in the package; the rest blocked or failed."""
        entries = chunk.entries
        drafted = Drafted(last_id=entries[-1].id)
        stored = {s.id: s for s in chunk.stored}
        by_key = {(s.kind, s.source_id): s for s in stored.values()}
        parents = chunk.parents
        resolver.know_links(chunk.links, (key for keys in parents.values() for key in keys))
        resolver.prefetch_ledgers(
            found.record
            for entry in entries
            if (found := by_key.get((entry.kind, entry.source_id))) is not None
            and (entry.step is Step.ALLOCATE or entry.kind in PAYMENT_KINDS)
        )
        resolver.prefetch_numbers(
            target
            for found in stored.values()
            if isinstance(found.record, CreditNote | SupplierCreditNote)
            and (target := credit_target(found.record)) is not None
        )
        missing_keys = {key for keys in parents.values() for key in keys if resolver.linked_id(*key) is None}
        parent_entries = outbox.for_records(sorted(missing_keys)) if missing_keys else {}
        undecided = _changed_documents(outbox, parents, missing_keys)
        settled = {
            key
            for key, found in parent_entries.items()
            if found.state is EntryState.DO_NOT_SEND and found.reason == SETTLED_OUTSIDE
        }
        missing_keys -= settled  # never waited for: what was set against it goes without it
        resolver.settled_outside.update(settled)
        changes: list[dict[str, Any]] = []
        for entry in entries:
            found = by_key.get((entry.kind, entry.source_id))
            if found is None:
                changes.append(failed_change(entry, "the record is no longer in the jobs side", ""))
                continue
            if entry.step is Step.CREATE and is_cancelled(found.record):
                changes.append(
                    {
                        "entry_id": entry.id,
                        "state": EntryState.DO_NOT_SEND.value,
                        "reason": "cancelled in the job system before it was sent: the package never needs it",
                        "blocked_by": "",
                    }
                )
                continue
            if entry.step is Step.ALLOCATE and any(key in settled for key in parents[entry.id]):
                target = next(key for key in parents[entry.id] if key in settled)
                changes.append(
                    {
                        "entry_id": entry.id,
                        "state": EntryState.DO_NOT_SEND.value,
                        "reason": f"{target[0].label} {target[1]} was {SETTLED_OUTSIDE}: nothing to set it against",
                        "blocked_by": "",
                    }
                )
                continue
            missing = [key for key in parents[entry.id] if key in missing_keys or key in undecided]
            if missing:
                blocker = undecided.get(missing[0]) or blocked_by(missing[0], parent_entries, entry)
                if entry.state is not EntryState.BLOCKED or entry.blocked_by != blocker:
                    changes.append(
                        {"entry_id": entry.id, "state": EntryState.BLOCKED.value, "blocked_by": blocker}
                    )
                drafted.blocked[entry.kind.label] += 1
                continue
            try:
                draft = build_draft(DraftRequest.of(found, entry.step, entry.key), resolver)
            except NotReadyToSend as problem:
                changes.append(failed_change(entry, str(problem), problem.field))
                drafted.failed[entry.kind.label] += 1
                continue
            earlier = already_refused(found.record, draft, self.refused)
            if earlier is not None:  # the package refused this account earlier in the send
                reason = f"{earlier.reason(self.connection.package.title())} (on an earlier record)"
                changes.append(failed_change(entry, reason, earlier.field))
                drafted.failed[entry.kind.label] += 1
                continue
            drafted.items.append(Item(entry, found.record, draft))
        outbox.set_each(changes)
        return drafted


def _changed_documents(
    outbox: OutboxRepository,
    parents: dict[int, list[tuple[RecordKind, str]]],
    missing: set[tuple[RecordKind, str]],
) -> dict[tuple[RecordKind, str], str]:
    """Documents in the package whose record changed since, awaiting what is done about it: what is
    set against them waits, as a payment of an invoice's new total would not fit the invoice as sent."""
    documents = {
        key for keys in parents.values() for key in keys if not key[0].is_party and key not in missing
    }
    if not documents:
        return {}
    return {
        key: (
            f"waits for {key[0].label} {key[1]}, changed after sending, to be settled: leave it as sent, "
            "or credit it and issue it again (ledgerlink changes)"
        )
        for key in outbox.sent_and_changed_since(sorted(documents))
    }


def blocked_by(
    parent: tuple[RecordKind, str],
    parent_entries: dict[tuple[RecordKind, str], OutboxEntry],
    entry: OutboxEntry,
) -> str:
    """What the entry waits for, in words a person can act on."""
    kind, source_id = parent
    if (kind, source_id) == (entry.kind, entry.source_id):
        return f"waiting for {kind.label} {source_id} itself to be sent"
    found = parent_entries.get(parent)
    if found is None and kind.is_party:
        return (
            f"waits for {kind.label} {source_id}, which the jobs side does not hold yet: feed it, "
            "or mark this do-not-send"
        )
    if found is None:
        return (
            f"{kind.label} {source_id} is not in the package (unknown, or dated before the cut-off date): "
            "if it was open at the cut-off, link it to the package's copy or mark it settled outside (open items), "
            "or mark this do-not-send"
        )
    if found.state is EntryState.FAILED:
        return f"{kind.label} {source_id} failed: {found.reason}"
    if found.state is EntryState.DO_NOT_SEND:
        return f"{kind.label} {source_id} is marked do-not-send"
    return f"{kind.label} {source_id} is not sent yet ({found.state.label})"
