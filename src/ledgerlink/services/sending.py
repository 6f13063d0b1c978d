"""Sending: everything a company should have in its books, into the package, once, in order.

The outbox is the contract (DESIGN.md). For one connection at a time:

1. entries are made for records in scope and their idempotency keys stored, before anything leaves;
2. entries a stopped sender left processing become uncertain, and every uncertain entry is resolved
   (replayed with the same key, or looked up by natural key) before anything new is created for it;
3. tier by tier (customers and suppliers, invoices, credit notes, their allocations, payments), entries
   whose parents are all in the package are drafted, batched as the connector allows and sent, up to the
   connector's concurrency; each batch's outcome is committed before any dependent request;
4. records changed after sending are updated where the package allows, and otherwise explained.

A record's own problem fails that record; the connection's problems (a 429, an outage, a lost token)
stop or slow the connection and never fail a record.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledgerlink.domain.ledger import Ledger
from ledgerlink.domain.money import format_money
from ledgerlink.domain.outbox import SEND_TIERS, EntryState, Step
from ledgerlink.domain.records import RECORD_TYPES, Record, RecordKind
from ledgerlink.errors import (
    AuthExpired,
    FeatureUnavailable,
    NotReadyToSend,
    PackageUnavailable,
    RateLimited,
    ReconnectNeeded,
    Rejected,
    UncertainOutcome,
)
from ledgerlink.packages.base import (
    Created,
    DocumentDraft,
    Draft,
    Exchange,
    IdempotencyMechanism,
    Outcome,
    PackageConnector,
    PaymentDraft,
    Refused,
)
from ledgerlink.services.drafting import DraftRequest, build_draft
from ledgerlink.services.linking import close_linked_parties
from ledgerlink.services.package_lists import load_package_lists
from ledgerlink.services.reissue import Reissuer, sent_lines
from ledgerlink.services.resolver import ConnectionResolver
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository, LinkRepository, MappingRepository
from ledgerlink.store.outbox import Entry, OutboxRepository
from ledgerlink.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

PAYMENT_KINDS = frozenset({RecordKind.CUSTOMER_PAYMENT, RecordKind.SUPPLIER_PAYMENT})
REPLAY_WINDOW = timedelta(hours=20)  # packages keep idempotency keys for about a day; stay inside it
CHUNK = 500
LEDGERS_KEPT = 5_000
MAX_PASSES = 50

_exchanges: contextvars.ContextVar[list[Exchange] | None] = contextvars.ContextVar("exchanges", default=None)


def collect_exchange(exchange: Exchange) -> None:
    """The connector's observer: each exchange lands with the batch whose task made it."""
    bucket = _exchanges.get()
    if bucket is not None:
        bucket.append(exchange)


class StopSending(Exception):
    """The connection cannot go on now (daily limit, reconnect needed, package down); nothing failed."""


class _SliceEnded(StopSending):
    """The run's time slice is used up with work left: it goes on in a later run, after others'."""


@dataclass
class SendReport:
    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    blocked: Counter[str] = field(default_factory=Counter)
    uncertain_resolved: int = 0
    updated: int = 0
    calls: int = 0
    stopped: str = ""
    more: bool = False  # the time slice ended with work left: run again to go on
    counts: dict[EntryState, int] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None

    @property
    def seconds(self) -> float:
        end = self.finished or datetime.now(UTC)
        return (end - self.started).total_seconds()


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class _Item:
    entry: Entry
    record: Record
    draft: Draft


@dataclass
class _Drafted:
    """One chunk's drafts, and what could not be drafted yet (blocked) or at all (failed), by kind."""

    last_id: int
    items: list[_Item] = field(default_factory=list)
    blocked: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


def _batch_key(items: Sequence[_Item]) -> str:
    return hashlib.sha256("|".join(item.entry.key for item in items).encode()).hexdigest()[:32]


def _summary(draft: Draft) -> str:
    """What was sent, in the few words a later change is compared against."""
    data: dict[str, Any] = {"type": draft.document_type.value}
    if isinstance(draft, DocumentDraft):
        data.update(
            number=draft.number, date=draft.date.isoformat(), gross=str(draft.gross), lines=len(draft.lines)
        )
        data["contact"] = draft.contact_id
        data["sent_lines"] = sent_lines(draft)  # what a credit note must mirror to cancel it
    elif isinstance(draft, PaymentDraft):
        data.update(date=draft.date.isoformat(), amount=str(draft.amount), reference=draft.reference)
    else:
        data.update({name: str(getattr(draft, name)) for name in ("name", "amount") if hasattr(draft, name)})
    return json.dumps(data, sort_keys=True)


def describe_changes(before: str, after: str) -> str:
    old, new = json.loads(before or "{}"), json.loads(after)
    changes = [
        f"{name} {old.get(name, '')} -> {new[name]}"
        for name in sorted(new)
        if old.get(name) != new[name] and name != "sent_lines"
    ]
    return "; ".join(changes) or "details changed"


class Sender:
    """Sends one connection's outbox through one connector."""

    def __init__(
        self,
        store: Store,
        *,
        connection: Connection,
        connector: PackageConnector,
        progress: Progress | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        slice_seconds: float | None = None,
    ) -> None:
        """`slice_seconds` bounds one run, so a worker shared by many companies turns to the next one."""
        self.store = store
        self.connection = connection
        self.connector = connector
        self.progress = progress
        self.now = now
        self.report = SendReport()
        self._deadline = None if slice_seconds is None else time.monotonic() + slice_seconds
        self._sliced = False
        self._stop_reason = ""
        self._requeued = False
        self._broken: Exception | None = None
        # the parties' ledgers, kept from chunk to chunk of a tier (payments of one customer spread over
        # many chunks), up to LEDGERS_KEPT of them
        self._ledgers: dict[tuple[RecordKind, str], Ledger] = {}
        self._done = 0
        self._total = 0
        if connector.context.observer is None:
            connector.context.observer = collect_exchange

    # --- set-up ------------------------------------------------------------------------------------

    def _uow(self) -> UnitOfWork:
        return self.store.unit_of_work()

    def _outbox(self, uow: UnitOfWork) -> OutboxRepository:
        return OutboxRepository(uow.session, self.connection.id, self.connection.company_id)

    def _resolver(self, uow: UnitOfWork) -> ConnectionResolver:
        reference = uow.reference(self.connection.company_id)
        if len(self._ledgers) > LEDGERS_KEPT:
            self._ledgers.clear()
        return ConnectionResolver(
            links=LinkRepository(uow.session, self.connection.id),
            records=uow.records(self.connection.company_id),
            mappings=MappingRepository(uow.session, self.connection.id).as_dict(),
            lists=load_package_lists(uow, self.connection.id),
            vat_rates=reference.vat_rates(),
            payment_methods=reference.payment_methods(),
            package_label=self.connection.package.title(),
            ledgers=self._ledgers,
        )

    def prepare(self) -> None:
        """Entries for everything in scope, keys stored; what a stopped sender left is now uncertain.

        Customers and suppliers linked already (matched, linked by hand, imported from the package,
        perhaps before the cut-off date made their entries) are closed as sent, so no path creates them
        in the package a second time.
        """
        with self._uow() as uow:
            outbox = self._outbox(uow)
            outbox.sync(self.connection.cut_off_date)
            close_linked_parties(uow, self.connection)
            outbox.stale_processing_to_uncertain()
            uow.commit()

    # --- the run -----------------------------------------------------------------------------------

    async def run(self) -> SendReport:
        try:
            self._check_connection()
            self.prepare()
            with self._uow() as uow:
                counts = self._outbox(uow).counts()
            self._total = sum(
                counts[s] for s in (EntryState.WAITING, EntryState.BLOCKED, EntryState.UNCERTAIN)
            )
            await self._resolve_uncertain()
            await self._credit_and_reissue()
            for tier in SEND_TIERS:
                await self._send_tier(tier)
            await self._apply_changes_after_sending()
        except _SliceEnded:
            self.report.more = True
        except StopSending as stop:
            self.report.stopped = str(stop)
        finally:
            with self._uow() as uow:
                self.report.counts = self._outbox(uow).counts()
                if self.report.sent:
                    ConnectionRepository(uow.session, self.connection.company_id).touch(
                        self.connection.id, sent=True
                    )
                uow.commit()
            self.report.finished = datetime.now(UTC)
        return self.report

    def _check_connection(self) -> None:
        with self._uow() as uow:
            current = ConnectionRepository(uow.session, self.connection.company_id).get(self.connection.id)
        if current.status == "needs_reconnect":
            raise StopSending(f"the connection needs reconnecting: {current.status_reason}")
        if current.status == "disconnected":
            raise StopSending("the connection is disconnected")
        if current.paused_until is not None and current.paused_until > self.now():
            raise StopSending(
                f"paused until {current.paused_until:%Y-%m-%d %H:%M} UTC: {current.status_reason}"
            )

    def _slice_over(self) -> bool:
        if self._deadline is not None and time.monotonic() >= self._deadline:
            self._sliced = True
        return self._sliced

    def _stop(self, reason: str) -> None:
        if not self._stop_reason:
            self._stop_reason = reason

    def _tick(self, count: int) -> None:
        self._done += count
        if self.progress is not None:
            self.progress(self._done, max(self._total, self._done))

    # --- one tier of steps -------------------------------------------------------------------------

    async def _send_tier(self, tier: Sequence[tuple[RecordKind, Step]]) -> None:
        for _ in range(MAX_PASSES):
            self._requeued = False
            await self._one_pass(tier)
            if self._stop_reason:
                raise StopSending(self._stop_reason)
            if self._sliced:
                raise _SliceEnded("the time slice ended")
            if not self._requeued:
                return

    async def _one_pass(self, tier: Sequence[tuple[RecordKind, Step]]) -> None:
        """Draft the tier chunk by chunk while earlier chunks' batches are on their way.

        The steps of one tier never depend on each other, so drafting and sending overlap: up to the
        connector's concurrency of batches are in flight while the next chunk is drafted, in a thread
        of its own so that requests keep leaving and replies keep being recorded meanwhile, and the
        package's rate limit, not the engine's bookkeeping, sets the pace. The queue is kept short, so
        a stop or the end of the time slice leaves little drafted and unsent (it stays waiting).
        """
        self._ledgers.clear()
        concurrency = max(1, self.connector.limits.concurrency)
        queue: asyncio.Queue[list[_Item] | None] = asyncio.Queue(maxsize=2 * concurrency)
        workers = [asyncio.create_task(self._batch_worker(queue)) for _ in range(concurrency)]
        try:
            for kind, step in tier:
                after = 0
                while self._going():
                    drafted = await asyncio.to_thread(self._draft_next, kind, step, after)
                    if drafted is None:
                        break
                    after = drafted.last_id
                    self.report.blocked.update(drafted.blocked)
                    self.report.failed.update(drafted.failed)
                    for batch in self._batches(drafted.items):
                        await queue.put(batch)
        except BaseException:
            for worker in workers:  # cancelled or broken: what is in flight is settled by the next run
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
        if self._broken is not None:
            raise self._broken

    def _going(self) -> bool:
        return not self._stop_reason and self._broken is None and not self._slice_over()

    async def _batch_worker(self, queue: asyncio.Queue[list[_Item] | None]) -> None:
        """Sends batches off the queue; after a stop it only empties the queue, so drafting never waits.

        When a batch's outcome is recorded and another batch is already waiting, that one is marked
        on its way in the same transaction: one commit a batch instead of two, which is most of the
        engine's cost where the package takes one record a call.
        """

        def following() -> list[_Item] | None:
            if queue.empty() or not self._going():
                return None
            batch = queue.get_nowait()
            if batch is None:
                queue.put_nowait(None)  # the end: leave it for this worker's next turn
            return batch

        begun: list[_Item] | None = None
        while True:
            batch, already = (begun, True) if begun is not None else (await queue.get(), False)
            begun = None
            if batch is None:
                return
            if not already and not self._going():
                continue
            try:
                begun = await self._send_batch(batch, operation="create", begun=already, following=following)
            except Exception as error:  # raised again by the pass, once the queue is drained
                self._broken = error

    def _draft_next(self, kind: RecordKind, step: Step, after: int) -> _Drafted | None:
        """The next chunk of the step's entries after entry `after`, drafted (None: there are no more).

        Runs in a worker thread: it touches nothing the event loop's tasks change, and reports what it
        blocked or failed rather than counting it itself.
        """
        with self._uow() as uow:
            outbox = self._outbox(uow)
            entries = outbox.in_states(
                [EntryState.WAITING, EntryState.BLOCKED], kind=kind, step=step, after_id=after, limit=CHUNK
            )
            if not entries:
                return None
            drafted = self._draft_chunk(uow, outbox, entries)
            uow.commit()
        return drafted

    def _draft_chunk(self, uow: UnitOfWork, outbox: OutboxRepository, entries: list[Entry]) -> _Drafted:
        """Drafts for the entries whose parents are all in the package; the rest blocked or failed."""
        drafted = _Drafted(last_id=entries[-1].id)
        resolver = self._resolver(uow)
        stored = {
            s.id: s
            for s in uow.records(self.connection.company_id).load((e.kind, e.source_id) for e in entries)
        }
        by_key = {(s.kind, s.source_id): s for s in stored.values()}
        parents: dict[int, list[tuple[RecordKind, str]]] = {}
        for entry in entries:
            found = by_key.get((entry.kind, entry.source_id))
            if found is None:
                continue
            needed = list(_parents(found.record))
            if entry.step is Step.ALLOCATE:
                needed.append((entry.kind, entry.source_id))
            parents[entry.id] = needed
        resolver.prefetch(key for keys in parents.values() for key in keys)
        resolver.prefetch_ledgers(
            found.record
            for entry in entries
            if (found := by_key.get((entry.kind, entry.source_id))) is not None
            and (entry.step is Step.ALLOCATE or entry.kind in PAYMENT_KINDS)
        )
        missing_keys = {key for keys in parents.values() for key in keys if resolver.linked_id(*key) is None}
        parent_entries = outbox.for_records(sorted(missing_keys)) if missing_keys else {}
        changes: list[dict[str, Any]] = []
        for entry in entries:
            found = by_key.get((entry.kind, entry.source_id))
            if found is None:
                changes.append(_failed(entry, "the record is no longer in the jobs side", ""))
                continue
            missing = [key for key in parents[entry.id] if key in missing_keys]
            if missing:
                blocker = self._blocker(missing[0], parent_entries, entry)
                if entry.state is not EntryState.BLOCKED or entry.blocked_by != blocker:
                    changes.append(
                        {"entry_id": entry.id, "state": EntryState.BLOCKED.value, "blocked_by": blocker}
                    )
                drafted.blocked[entry.kind.label] += 1
                continue
            try:
                draft = build_draft(DraftRequest(found.record, entry.step, entry.key), resolver)
            except NotReadyToSend as problem:
                changes.append(_failed(entry, str(problem), problem.field))
                drafted.failed[entry.kind.label] += 1
                continue
            drafted.items.append(_Item(entry, found.record, draft))
        outbox.set_each(changes)
        return drafted

    def _blocker(
        self,
        parent: tuple[RecordKind, str],
        parent_entries: dict[tuple[RecordKind, str], Entry],
        entry: Entry,
    ) -> str:
        kind, source_id = parent
        if (kind, source_id) == (entry.kind, entry.source_id):
            return f"waiting for {kind.label} {source_id} itself to be sent"
        found = parent_entries.get(parent)
        if found is None:
            return f"{kind.label} {source_id} is not in the package (unknown, or dated before the cut-off date): link it or mark this do-not-send"
        if found.state is EntryState.FAILED:
            return f"{kind.label} {source_id} failed: {found.reason}"
        if found.state is EntryState.DO_NOT_SEND:
            return f"{kind.label} {source_id} is marked do-not-send"
        return f"{kind.label} {source_id} is not sent yet ({found.state.label})"

    # --- batches -----------------------------------------------------------------------------------

    def _batches(self, items: list[_Item]) -> list[list[_Item]]:
        """The items grouped by what they become in the package, as many to a call as the package takes."""
        groups: dict[str, list[_Item]] = {}
        for item in items:
            groups.setdefault(item.draft.document_type.value, []).append(item)
        batches: list[list[_Item]] = []
        for group in groups.values():
            size = max(1, self.connector.limits.batch_size(group[0].draft.document_type))
            batches.extend(group[start : start + size] for start in range(0, len(group), size))
        return batches

    def _begin(self, outbox: OutboxRepository, batch: list[_Item]) -> None:
        """Processing, with the batch key it travels under: to be committed before the request leaves."""
        outbox.begin_attempt([item.entry.id for item in batch], _batch_key(batch))

    async def _send_batch(
        self,
        batch: list[_Item],
        *,
        operation: str,
        begun: bool = False,
        following: Callable[[], list[_Item] | None] | None = None,
    ) -> list[_Item] | None:
        """Send one batch and record what came of it; `begun`: it is marked on its way already.

        With `following`, a batch taken from it after a success is marked on its way in the same
        transaction as this one's outcome, and returned, to be sent next with `begun=True`.
        """
        if not begun:
            with self._uow() as uow:
                self._begin(self._outbox(uow), batch)
                uow.commit()
        exchanges: list[Exchange] = []
        _exchanges.set(exchanges)
        try:
            outcomes = await self.connector.create([item.draft for item in batch])
        except UncertainOutcome as error:
            self._settle(
                batch,
                exchanges,
                operation,
                state=EntryState.UNCERTAIN,
                reason=str(error),
                outcome="uncertain",
            )
        except RateLimited as error:
            self._settle(
                batch, exchanges, operation, state=EntryState.WAITING, reason="", outcome="rate_limited"
            )
            if error.scope == "day":
                self._pause(error.retry_after, "the package's daily limit was reached")
                self._stop(
                    f"the package's daily limit was reached; sending resumes in {error.retry_after / 3600:.1f} h"
                )
            else:
                self._requeued = True
        except PackageUnavailable as error:
            self._settle(
                batch, exchanges, operation, state=EntryState.WAITING, reason="", outcome="unavailable"
            )
            self._stop(f"the package is unavailable: {error}")
        except (AuthExpired, ReconnectNeeded) as error:
            self._settle(batch, exchanges, operation, state=EntryState.WAITING, reason="", outcome="auth")
            self._mark_reconnect(str(error))
            self._stop(f"the connection needs reconnecting: {error}")
        except (Rejected, FeatureUnavailable) as error:
            field_name = error.problems[0].field if isinstance(error, Rejected) else ""
            self._settle(
                batch,
                exchanges,
                operation,
                state=EntryState.FAILED,
                reason=str(error),
                outcome="refused",
                field=field_name,
            )
            self.report.failed.update(item.entry.kind.label for item in batch)
        else:
            return self._record_outcomes(batch, outcomes, exchanges, operation, following=following)
        finally:
            self.report.calls += len(exchanges)
            _exchanges.set(None)
        return None

    def _settle(
        self,
        batch: list[_Item],
        exchanges: list[Exchange],
        operation: str,
        *,
        state: EntryState,
        reason: str,
        outcome: str,
        field: str = "",
    ) -> None:
        last = exchanges[-1] if exchanges else None
        with self._uow() as uow:
            outbox = self._outbox(uow)
            outbox.set_state([item.entry.id for item in batch], state, reason=reason, reason_field=field)
            outbox.record_attempts([_attempt(item.entry, operation, outcome, last, reason) for item in batch])
            uow.commit()
        if state is not EntryState.WAITING:
            self._tick(len(batch))

    def _record_outcomes(
        self,
        batch: list[_Item],
        outcomes: list[Outcome],
        exchanges: list[Exchange],
        operation: str,
        *,
        following: Callable[[], list[_Item] | None] | None = None,
    ) -> list[_Item] | None:
        """One short transaction for the whole batch: the links, the entries' states and the attempts,
        and the next batch (from `following`) marked on its way; that batch is returned."""
        by_key = {outcome.key: outcome for outcome in outcomes}
        last = exchanges[-1] if exchanges else None
        changes: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        sent_labels: list[str] = []
        created: list[tuple[_Item, Created]] = []
        for item in batch:
            entry = item.entry
            outcome = by_key.get(entry.key)
            if outcome is None:
                reason = "the package's reply did not mention this record"
                changes.append({"entry_id": entry.id, "state": EntryState.UNCERTAIN.value, "reason": reason})
                attempts.append(_attempt(entry, operation, "uncertain", last, reason))
            elif isinstance(outcome, Refused):
                reason = "; ".join(str(problem) for problem in outcome.problems)
                field_name = outcome.problems[0].field if outcome.problems else ""
                changes.append(_failed(entry, reason, field_name))
                attempts.append(_attempt(entry, operation, "refused", last, reason))
                self.report.failed[entry.kind.label] += 1
            else:
                created.append((item, outcome))
        with self._uow() as uow:
            links = LinkRepository(uow.session, self.connection.id)
            new_links: dict[RecordKind, list[tuple[str, str, str]]] = {}
            for item, outcome in created:
                if item.entry.step is Step.CREATE:
                    new_links.setdefault(item.entry.kind, []).append(
                        (item.entry.source_id, outcome.package_id, item.entry.version)
                    )
            conflicts: dict[tuple[RecordKind, str], str] = {}
            for kind, pairs in new_links.items():
                for source_id, refusal in links.add_many(kind, pairs, how="created").items():
                    conflicts[(kind, source_id)] = str(refusal)
            for item, outcome in created:
                entry = item.entry
                conflict = (
                    conflicts.get((entry.kind, entry.source_id), "") if entry.step is Step.CREATE else ""
                )
                if conflict:
                    changes.append(_failed(entry, conflict, "link"))
                    attempts.append(_attempt(entry, operation, "conflict", last, conflict))
                    self.report.failed[entry.kind.label] += 1
                    continue
                difference = _difference(item.draft, outcome)
                note = "; ".join(outcome.warnings)
                if difference:
                    note = "; ".join(
                        filter(
                            None,
                            [note, f"the package's total differs from ours by {format_money(difference)}"],
                        )
                    )
                changes.append(
                    {
                        "entry_id": entry.id,
                        "state": EntryState.SENT.value,
                        "package_id": outcome.package_id,
                        "sent_at": self.now(),
                        "reason": note,
                        "reason_field": "",
                        "blocked_by": "",
                        "total_difference": difference,
                        "sent_summary": _summary(item.draft),
                    }
                )
                attempts.append(_attempt(entry, operation, "created", last, outcome.package_id))
                sent_labels.append(entry.kind.label)
            outbox = self._outbox(uow)
            outbox.set_each(changes)
            outbox.record_attempts(attempts)
            then = following() if following is not None else None
            if then is not None:
                self._begin(outbox, then)
            uow.commit()
        self.report.sent.update(sent_labels)
        self._tick(len(batch))
        return then

    def _pause(self, seconds: float, reason: str) -> None:
        with self._uow() as uow:
            ConnectionRepository(uow.session, self.connection.company_id).pause_until(
                self.connection.id, self.now() + timedelta(seconds=seconds), reason
            )
            uow.commit()

    def _mark_reconnect(self, reason: str) -> None:
        with self._uow() as uow:
            ConnectionRepository(uow.session, self.connection.company_id).set_status(
                self.connection.id, "needs_reconnect", reason
            )
            uow.commit()

    # --- uncertain entries -------------------------------------------------------------------------

    async def _resolve_uncertain(self) -> None:
        with self._uow() as uow:
            outbox = self._outbox(uow)
            uncertain = outbox.in_states([EntryState.UNCERTAIN])
            if not uncertain:
                return
            groups: dict[str, list[Entry]] = {}
            for entry in uncertain:
                groups.setdefault(entry.batch_key or f"entry-{entry.id}", []).append(entry)
            resolver = self._resolver(uow)
            prepared: list[tuple[list[_Item], bool]] = []
            for entries in groups.values():
                items = []
                for entry in entries:
                    stored = uow.records(self.connection.company_id).find(entry.kind, entry.source_id)
                    if stored is None:
                        continue
                    try:
                        draft = build_draft(DraftRequest(stored.record, entry.step, entry.key), resolver)
                    except NotReadyToSend:
                        continue  # its parents were in the package when it left; if not now, look it up below
                    items.append(_Item(entry, stored.record, draft))
                recent = all(self.now() - entry.updated_at < REPLAY_WINDOW for entry in entries)
                replayable = self.connector.idempotency is not IdempotencyMechanism.NATURAL_KEY_ONLY
                prepared.append((items, recent and replayable and len(items) == len(entries)))
        for items, replay in prepared:
            if not items:
                continue
            if replay:
                await self._send_batch(items, operation="replay")
            else:
                await self._look_up(items)
            self.report.uncertain_resolved += len(items)
            if self._stop_reason:
                raise StopSending(self._stop_reason)

    async def _look_up(self, items: list[_Item]) -> None:
        """Where a replay cannot prove the outcome: find by natural key, and only if absent, send again."""
        for item in items:
            exchanges: list[Exchange] = []
            _exchanges.set(exchanges)
            try:
                package_id = await self.connector.find(item.draft)
            except (UncertainOutcome, PackageUnavailable, RateLimited) as error:
                self._stop(f"could not confirm {item.entry.label} in the package: {error}")
                return
            finally:
                self.report.calls += len(exchanges)
                _exchanges.set(None)
            if package_id:
                self._record_outcomes([item], [Created(item.entry.key, package_id)], exchanges, "find")
            else:
                with self._uow() as uow:
                    outbox = self._outbox(uow)
                    outbox.set_state([item.entry.id], EntryState.WAITING, reason="")
                    outbox.record_attempts(
                        [_attempt(item.entry, "find", "absent", None, "not in the package")]
                    )
                    uow.commit()

    # --- changes after sending ---------------------------------------------------------------------

    async def _credit_and_reissue(self) -> None:
        """Before anything new goes, so payments sent next settle the invoice as issued again."""
        reissuer = Reissuer(self.store, self.connection, self.connector)
        self.report.updated += await reissuer.run(self._resolver)
        self.report.calls += reissuer.calls

    async def _apply_changes_after_sending(self) -> None:
        with self._uow() as uow:
            pending = [
                entry
                for entry in self._outbox(uow).changed_after_sending()
                if entry.changed_after_sending == "pending"
            ]
            if not pending:
                return
            resolver = self._resolver(uow)
            drafts: list[tuple[Entry, Draft | None, str]] = []
            for entry in pending:
                stored = uow.records(self.connection.company_id).find(entry.kind, entry.source_id)
                if stored is None:
                    continue
                try:
                    draft = build_draft(DraftRequest(stored.record, entry.step, entry.key), resolver)
                except NotReadyToSend as problem:
                    drafts.append(
                        (entry, None, f"changed after sending, and cannot be drafted now: {problem}")
                    )
                    continue
                drafts.append((entry, draft, stored.version))
        for entry, maybe_draft, detail in drafts:
            if maybe_draft is None:
                self._note_change(entry, detail)
                continue
            draft = maybe_draft
            changes = describe_changes(entry.sent_summary, _summary(draft))
            if draft.document_type not in self.connector.supports_update:
                self._note_change(
                    entry,
                    f"changed after sending ({changes}). {self.connection.package.title()} cannot change a sent "
                    f"{entry.kind.label}: credit it and issue it again, or leave it as sent.",
                )
                continue
            try:
                outcome = await self.connector.update(entry.package_id, draft)
            except (Rejected, FeatureUnavailable) as error:
                self._note_change(
                    entry,
                    f"changed after sending ({changes}); the package refused the change: {error}. "
                    "Credit it and issue it again, or leave it as sent.",
                )
                continue
            if isinstance(outcome, Refused):
                refusal = "; ".join(str(problem) for problem in outcome.problems)
                self._note_change(
                    entry,
                    f"changed after sending ({changes}); the package refused the change: {refusal}. "
                    "Credit it and issue it again, or leave it as sent.",
                )
                continue
            with self._uow() as uow:
                outbox = self._outbox(uow)
                outbox.set_each(
                    [
                        {
                            "entry_id": entry.id,
                            "record_version": detail,
                            "changed_after_sending": "",
                            "sent_summary": _summary(draft),
                            "reason": f"updated in the package after a change ({changes})",
                        }
                    ]
                )
                outbox.record_attempts([_attempt(entry, "update", "updated", None, changes)])
                LinkRepository(uow.session, self.connection.id).set_version_sent(
                    entry.kind, entry.source_id, detail
                )
                uow.commit()
            self.report.updated += 1

    def _note_change(self, entry: Entry, text: str) -> None:
        with self._uow() as uow:
            self._outbox(uow).set_each([{"entry_id": entry.id, "changed_after_sending": text}])
            uow.commit()


def _parents(record: Record) -> list[tuple[RecordKind, str]]:
    from ledgerlink.domain.records import parents_of

    return list(parents_of(record))


def _failed(entry: Entry, reason: str, field: str) -> dict[str, Any]:
    return {
        "entry_id": entry.id,
        "state": EntryState.FAILED.value,
        "reason": reason,
        "reason_field": field,
        "blocked_by": "",
    }


def _attempt(
    entry: Entry, operation: str, outcome: str, exchange: Exchange | None, detail: str
) -> dict[str, Any]:
    return {
        "entry_id": entry.id,
        "operation": operation,
        "idempotency_key": entry.key,
        "outcome": outcome,
        "status": exchange.status if exchange else None,
        "request_id": exchange.request_id if exchange else "",
        "detail": detail[:2000],
    }


def _difference(draft: Draft, outcome: Created) -> Decimal | None:
    if outcome.totals is None or not isinstance(draft, DocumentDraft):
        return None
    difference = outcome.totals.gross - draft.gross
    return difference if difference else None


def load_record(kind: RecordKind, content: str) -> Record:
    return RECORD_TYPES[kind].model_validate_json(content)
