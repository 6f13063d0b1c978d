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
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ledgerlink.domain.ledger import Ledger
from ledgerlink.domain.money import format_money
from ledgerlink.domain.outbox import SEND_TIERS, EntryState, Step
from ledgerlink.domain.records import RecordKind
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
    Exchange,
    IdempotencyMechanism,
    Outcome,
    PackageConnector,
    Refused,
)
from ledgerlink.services.attempts import (
    attempt_row,
    batch_key,
    collect_exchange,
    collected_exchanges,
    failed_change,
    total_difference,
)
from ledgerlink.services.changes_after_sending import ChangesAfterSending
from ledgerlink.services.chunk_drafting import ChunkDrafter, Item
from ledgerlink.services.drafting import DraftRequest, build_draft
from ledgerlink.services.linking import close_linked_parties
from ledgerlink.services.package_lists import load_package_lists
from ledgerlink.services.reissue import Reissuer
from ledgerlink.services.resolver import ConnectionResolver
from ledgerlink.services.sent_summary import sent_summary
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository, LinkRepository, MappingRepository
from ledgerlink.store.outbox import Entry, OutboxRepository
from ledgerlink.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

REPLAY_WINDOW = timedelta(hours=20)  # packages keep idempotency keys for about a day; stay inside it
LEDGERS_KEPT = 5_000
MAX_PASSES = 50


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
            await self._update_changed()
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
        """Whether the time slice is used up; never before this run has settled something, so a
        company whose first chunk takes longer to draft than a slice still moves on every turn."""
        if self._deadline is not None and self._done > 0 and time.monotonic() >= self._deadline:
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
        queue: asyncio.Queue[list[Item] | None] = asyncio.Queue(maxsize=2 * concurrency)
        drafter = ChunkDrafter(self.store, self.connection, self._resolver)
        workers = [asyncio.create_task(self._batch_worker(queue)) for _ in range(concurrency)]
        try:
            for kind, step in tier:
                after = 0
                while self._going():
                    drafted = await asyncio.to_thread(drafter.next, kind, step, after)
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

    async def _batch_worker(self, queue: asyncio.Queue[list[Item] | None]) -> None:
        """Sends batches off the queue; after a stop it only empties the queue, so drafting never waits.

        When a batch's outcome is recorded and another batch is already waiting, that one is marked
        on its way in the same transaction: one commit a batch instead of two, which is most of the
        engine's cost where the package takes one record a call.
        """

        def following() -> list[Item] | None:
            if queue.empty() or not self._going():
                return None
            batch = queue.get_nowait()
            if batch is None:
                queue.put_nowait(None)  # the end: leave it for this worker's next turn
            return batch

        begun: list[Item] | None = None
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

    # --- batches -----------------------------------------------------------------------------------

    def _batches(self, items: list[Item]) -> list[list[Item]]:
        """The items grouped by what they become in the package, as many to a call as the package takes."""
        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(item.draft.document_type.value, []).append(item)
        batches: list[list[Item]] = []
        for group in groups.values():
            size = max(1, self.connector.limits.batch_size(group[0].draft.document_type))
            batches.extend(group[start : start + size] for start in range(0, len(group), size))
        return batches

    def _begin(self, outbox: OutboxRepository, batch: list[Item]) -> None:
        """Processing, with the batch key it travels under: to be committed before the request leaves."""
        outbox.begin_attempt([item.entry.id for item in batch], batch_key(item.entry.key for item in batch))

    async def _send_batch(
        self,
        batch: list[Item],
        *,
        operation: str,
        begun: bool = False,
        following: Callable[[], list[Item] | None] | None = None,
    ) -> list[Item] | None:
        """Send one batch and record what came of it; `begun`: it is marked on its way already.

        With `following`, a batch taken from it after a success is marked on its way in the same
        transaction as this one's outcome, and returned, to be sent next with `begun=True`.
        """
        if not begun:
            with self._uow() as uow:
                self._begin(self._outbox(uow), batch)
                uow.commit()
        with collected_exchanges() as exchanges:
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
        return None

    def _settle(
        self,
        batch: list[Item],
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
            outbox.record_attempts(
                [attempt_row(item.entry, operation, outcome, last, reason) for item in batch]
            )
            uow.commit()
        if state is not EntryState.WAITING:
            self._tick(len(batch))

    def _record_outcomes(
        self,
        batch: list[Item],
        outcomes: list[Outcome],
        exchanges: list[Exchange],
        operation: str,
        *,
        following: Callable[[], list[Item] | None] | None = None,
    ) -> list[Item] | None:
        """One short transaction for the whole batch: the links, the entries' states and the attempts,
        and the next batch (from `following`) marked on its way; that batch is returned."""
        by_key = {outcome.key: outcome for outcome in outcomes}
        last = exchanges[-1] if exchanges else None
        changes: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        sent_labels: list[str] = []
        created: list[tuple[Item, Created]] = []
        for item in batch:
            entry = item.entry
            outcome = by_key.get(entry.key)
            if outcome is None:
                reason = "the package's reply did not mention this record"
                changes.append({"entry_id": entry.id, "state": EntryState.UNCERTAIN.value, "reason": reason})
                attempts.append(attempt_row(entry, operation, "uncertain", last, reason))
            elif isinstance(outcome, Refused):
                reason = "; ".join(str(problem) for problem in outcome.problems)
                field_name = outcome.problems[0].field if outcome.problems else ""
                changes.append(failed_change(entry, reason, field_name))
                attempts.append(attempt_row(entry, operation, "refused", last, reason))
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
                    changes.append(failed_change(entry, conflict, "link"))
                    attempts.append(attempt_row(entry, operation, "conflict", last, conflict))
                    self.report.failed[entry.kind.label] += 1
                    continue
                difference = total_difference(item.draft, outcome)
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
                        "sent_summary": sent_summary(item.draft),
                    }
                )
                attempts.append(attempt_row(entry, operation, "created", last, outcome.package_id))
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
            prepared: list[tuple[list[Item], bool]] = []
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
                    items.append(Item(entry, stored.record, draft))
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

    async def _look_up(self, items: list[Item]) -> None:
        """Where a replay cannot prove the outcome: find by natural key, and only if absent, send again."""
        for item in items:
            with collected_exchanges() as exchanges:
                try:
                    package_id = await self.connector.find(item.draft)
                except (UncertainOutcome, PackageUnavailable, RateLimited) as error:
                    self._stop(f"could not confirm {item.entry.label} in the package: {error}")
                    return
                finally:
                    self.report.calls += len(exchanges)
            if package_id:
                self._record_outcomes([item], [Created(item.entry.key, package_id)], exchanges, "find")
            else:
                with self._uow() as uow:
                    outbox = self._outbox(uow)
                    outbox.set_state([item.entry.id], EntryState.WAITING, reason="")
                    outbox.record_attempts(
                        [attempt_row(item.entry, "find", "absent", None, "not in the package")]
                    )
                    uow.commit()

    # --- changes after sending ---------------------------------------------------------------------

    async def _credit_and_reissue(self) -> None:
        """Before anything new goes, so payments sent next settle the invoice as issued again."""
        reissuer = Reissuer(self.store, self.connection, self.connector)
        self.report.updated += await reissuer.run(self._resolver)
        self.report.calls += reissuer.calls

    async def _update_changed(self) -> None:
        """Last, once everything new is in the package: records changed after they were sent."""
        changes = ChangesAfterSending(self.store, self.connection, self.connector)
        self.report.updated += await changes.run(self._resolver)
        self.report.calls += changes.calls
