"""Sending: everything a company should have in its books, into the package, once, in order.

The outbox is the contract (docs/sending.md). For one connection at a time:

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
import concurrent.futures
import contextlib
import contextvars
import functools
import logging
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ledgerlink.domain.ledger import Ledger
from ledgerlink.domain.outbox import FIRST_SETTLING_TIER, SEND_TIERS, EntryState, OutboxEntry, Step
from ledgerlink.domain.records import PaymentMethod, RecordKind
from ledgerlink.errors import (
    ConfigurationError,
    Effect,
    IllegalTransition,
    NotReadyToSend,
    PackageError,
    PackageUnavailable,
    RateLimited,
    Rejected,
    UncertainOutcome,
    effect_of,
)
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.connection import Exchange, IdempotencyMechanism
from ledgerlink.packages.drafts import Created
from ledgerlink.packages.registry import get_package
from ledgerlink.services.linking.proposals import close_linked_parties
from ledgerlink.services.onboarding.package_lists import PackageLists, load_package_lists
from ledgerlink.services.sending.attempts import (
    attempt_row,
    batch_key,
    collect_exchange,
    collected_exchanges,
)
from ledgerlink.services.sending.changes import ChangesAfterSending
from ledgerlink.services.sending.chunks import ChunkDrafter, Drafted, Item
from ledgerlink.services.sending.drafting import DraftRequest, build_draft
from ledgerlink.services.sending.opening_queue import queue_opening_items
from ledgerlink.services.sending.outcomes import Answered, Written, write_outcomes
from ledgerlink.services.sending.pace import calls_by_kind, daily_limit_used, waiting
from ledgerlink.services.sending.refusals import RefusedMappings
from ledgerlink.services.sending.reissue import Reissuer
from ledgerlink.services.sending.resolver import ConnectionResolver
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, MappingKind
from ledgerlink.store.outbox import OutboxRepository
from ledgerlink.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

REPLAY_WINDOW = timedelta(hours=20)  # packages keep idempotency keys for about a day; stay inside it
LEDGERS_KEPT = 5_000
MAX_PASSES = 50
GROUP_CALLS = 128  # at most this many calls' outcomes written in one transaction,
GROUP_ENTRIES = 500  # of at most about this many entries,
GROUP_SECONDS = 0.2  # and none held longer than this: under a package's pace, a write a call as before
QUEUE_ENTRIES = 3 * GROUP_ENTRIES  # drafted entries waiting for the workers, in batches of any size
# a write of fewer rows (entries written and marked) stays on the event loop on a database server too:
# the server answers it in a few milliseconds, less than a thread would wait for the interpreter's lock
WRITE_BESIDE_FROM = 400
# a write refused because a person moved one of its entries meanwhile is made again without it, this
# many times in all: each try reads the entries' states anew, and a person's clicks are few
WRITE_TRIES = 3


class StopSending(Exception):
    """The connection cannot go on now (daily limit, reconnect needed, package down); nothing failed."""


class _SliceEnded(StopSending):
    """The run's time slice is used up with work left: it goes on in a later run, after others'."""


class _BatchQueue(asyncio.Queue[list[Item] | None]):
    """The drafted batches waiting for a worker, bounded by the entries they hold rather than by
    batches: room for the workers of a package that takes one record a call to take whole groups,
    and few drafts held at once where a call takes fifty (thirty calls' worth): a draft costs
    memory, and a send of 200,000 invoices stays under 300 MB."""

    def __init__(self, entries: int) -> None:
        super().__init__(maxsize=entries)
        self._entries = 0

    def qsize(self) -> int:
        return self._entries

    def _put(self, item: list[Item] | None) -> None:
        self._entries += len(item or ())
        super()._put(item)

    def _get(self) -> list[Item] | None:
        item: list[Item] | None = super()._get()
        self._entries -= len(item or ())
        return item


class _Group:
    """When a worker writes the outcomes it holds, and how many batches it marks on their way ahead:
    twice as many as it sent in the last group while the package answers fast (up to GROUP_CALLS,
    and never fewer than before: a group cut short because the queue ran dry says nothing of the
    package), as many as the package answered once a group takes GROUP_SECONDS, as it does while the
    package's pace is slow: one at a time at its real pace.

    A worker of a send's next tier starts from where the last one left off: the package answers the
    next tier at the pace it answered this one, and starting each tier again from one call a commit
    cost a send of one record a call against a package answering fast about a quarter of its writes."""

    def __init__(self, ahead: int = 1) -> None:
        self.ahead = ahead
        self.since = time.monotonic()

    def started(self) -> None:
        self.since = time.monotonic()

    def full(self, answered: int, begun: int) -> bool:
        old = time.monotonic() - self.since >= GROUP_SECONDS
        if not (old or not begun or answered >= GROUP_CALLS):
            return False
        # a group cut short by the queue running dry, not by the package's pace, keeps the size
        self.ahead = min(GROUP_CALLS, max(1, answered) if old else max(self.ahead, 2 * answered))
        return True


class _Feed:
    """How a drafting thread hands its chunks to the event loop: the next chunk is drafted while the
    one before is queued, and no further (the queue's room is what holds the drafting back). Once
    stopped, a chunk waiting for room is given up and nothing more is handed over."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.stopped = False
        self._lock = threading.Lock()
        self._queuing: concurrent.futures.Future[None] | None = None

    def hand(self, queuing: Coroutine[Any, Any, None] | None) -> bool:
        """Waits for the chunk handed before to be queued, then hands this one (None: the end).
        Answers False once stopped: the drafting ends."""
        earlier = self._queuing
        if earlier is not None:
            with contextlib.suppress(concurrent.futures.CancelledError):
                earlier.result()
        with self._lock:
            if self.stopped or queuing is None:
                if queuing is not None:
                    queuing.close()
                return False
            self._queuing = asyncio.run_coroutine_threadsafe(queuing, self.loop)
        return True

    def wait_for_room(self, queue: _BatchQueue) -> None:
        """Before another chunk is drafted: while the queue is full, waits for the chunk handed before
        to be queued. So no more is drafted ahead than a chunk beyond a full queue, as when each chunk
        was queued before the next was drafted: what is drafted and not sent when a send's time slice
        ends is drafted again by its next run."""
        earlier = self._queuing
        if earlier is not None and queue.full():
            with contextlib.suppress(concurrent.futures.CancelledError):
                earlier.result()

    def stop(self) -> None:
        """From the event loop: the chunk waiting for room is dropped, and drafting ends."""
        with self._lock:
            self.stopped = True
            if self._queuing is not None:
                self._queuing.cancel()


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
    waiting: str = ""  # what the send waits for, in words ("... about 3 minutes left")
    seconds_left: float | None = None  # the estimate behind it, while the package's limit sets the pace
    resume_in: float | None = None  # after a stop on the daily limit: seconds until the package's day turns
    counts: dict[EntryState, int] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None

    @property
    def seconds(self) -> float:
        end = self.finished or datetime.now(UTC)
        return (end - self.started).total_seconds()


Progress = Callable[[int, int], None]
_Known = tuple[dict[tuple[MappingKind, str], str], PackageLists, list[PaymentMethod]]


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
        started_by: str = "a send",
        on_waiting: Callable[[str], None] | None = None,
    ) -> None:
        """`slice_seconds` bounds one run, so a worker shared by many companies turns to the next one;
        `started_by` names this send to a second one started while it runs; `on_waiting` hears what
        the send waits for whenever that changes."""
        self.store = store
        self.started_by = started_by
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
        self._died: BaseException | None = None
        # the parties' ledgers, kept from chunk to chunk of a tier (payments of one customer spread over
        # many chunks), up to LEDGERS_KEPT of them
        self._ledgers: dict[tuple[RecordKind, str], Ledger] = {}
        # the mappings and the package's lists, read once for a tier's chunks rather than once a chunk
        self._known: _Known | None = None
        self._in_pass = False
        self._done = 0
        self._total = 0
        self._refused: RefusedMappings = {}  # accounts the package refused in this send
        self.on_waiting = on_waiting
        self._planned_calls = 0
        self._planned_kinds: dict[str, int] = {}  # of those, the calls of a kind with its own budget
        self._day_retry: float | None = None
        self._ahead = 1  # batches a worker marks on their way at once, kept from one tier to the next
        if connector.context.observer is None:
            connector.context.observer = collect_exchange

    # --- set-up ------------------------------------------------------------------------------------

    def _uow(self) -> UnitOfWork:
        return self.store.unit_of_work()

    def _outbox(self, uow: UnitOfWork) -> OutboxRepository:
        return uow.outbox(self.connection)

    def _resolver(self, uow: UnitOfWork) -> ConnectionResolver:
        if len(self._ledgers) > LEDGERS_KEPT:
            self._ledgers.clear()
        known = self._known or self._read_known(uow)
        if self._in_pass:  # one tier's chunks share what was read for its first
            self._known = known
        mappings, lists, payment_methods = known
        return ConnectionResolver(
            links=uow.links(self.connection.id),
            records=uow.records(self.connection.company_id),
            mappings=mappings,
            lists=lists,
            payment_methods=payment_methods,
            package_label=self.connection.package.title(),
            ledgers=self._ledgers,
            connection=self.connection,
        )

    def _read_known(self, uow: UnitOfWork) -> _Known:
        """The mappings, the package's lists and the payment methods, as drafting reads them."""
        return (
            uow.mappings(self.connection.id).as_dict(),
            load_package_lists(uow, self.connection.id),
            uow.reference(self.connection.company_id).payment_methods(),
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
            queue_opening_items(uow, self.connection)
            close_linked_parties(uow, self.connection)
            outbox.stale_processing_to_uncertain()
            uow.commit()

    # --- the run -----------------------------------------------------------------------------------

    async def run(self) -> SendReport:
        """Send, holding the connection's send lock throughout: another send already running for this
        connection (from any process) makes this one refuse at once with SendInProgress, before its
        start-up could take that one's requests on their way for a crashed send's."""
        with self.store.send_locks().hold(self.connection.id, self.started_by):
            return await self._run()

    async def _run(self) -> SendReport:
        try:
            self._check_connection()
            self.prepare()
            left_states = (EntryState.WAITING, EntryState.BLOCKED, EntryState.UNCERTAIN)
            with self._uow() as uow:
                counts = self._outbox(uow).counts()
                left = self._outbox(uow).counts_by_step(left_states)
            self._total = sum(counts[s] for s in left_states)
            by_kind = calls_by_kind(self.connector.limits, left)
            self._planned_calls = sum(by_kind.values())
            self._planned_kinds = {kind: calls for kind, calls in by_kind.items() if kind is not None}
            self._say_waiting()
            await self._resolve_uncertain()
            await self._credit_and_reissue()
            for tier in SEND_TIERS:
                if tier == FIRST_SETTLING_TIER:
                    await self._update_changed()
                await self._send_tier(tier)
        except _SliceEnded:
            self.report.more = True
        except StopSending as stop:
            self.report.stopped = str(stop)
        except PackageError as error:  # outside a batch (a look-up, a token refresh): nothing is on its way
            if effect_of(error) is Effect.RECONNECT:
                self._mark_reconnect(str(error))
                self.report.stopped = f"the connection needs reconnecting: {error}"
            else:
                self.report.stopped = f"the package stopped the send for now: {error}"
        finally:
            with self._uow() as uow:
                self.report.counts = self._outbox(uow).counts()
                if self.report.sent:
                    uow.connections(self.connection.company_id).touch(self.connection.id, sent=True)
                uow.commit()
            self.report.finished = datetime.now(UTC)
            if self._day_retry is not None:
                records_left = sum(
                    self.report.counts.get(state, 0)
                    for state in (EntryState.WAITING, EntryState.BLOCKED, EntryState.UNCERTAIN)
                )
                self.report.stopped = daily_limit_used(self._label, self._day_retry, records_left)
                self.report.resume_in = self._day_retry
                self._say(self.report.stopped)
            else:
                self.report.seconds_left = None
                self._say("")
        return self.report

    @property
    def _label(self) -> str:
        """The package as people call it (a package not in the registry, as in tests, by its name)."""
        try:
            return get_package(self.connection.package).label
        except ConfigurationError:
            return self.connection.package.title()

    def _say(self, note: str) -> None:
        if note != self.report.waiting:
            self.report.waiting = note
            if self.on_waiting is not None:
                self.on_waiting(note)

    def _say_waiting(self) -> None:
        """What the send waits for, from the calls still to make and the pace the pacer keeps."""
        pacer = self.connector.context.pacer
        rate = getattr(pacer, "paced_per_second", None)
        reckon = getattr(pacer, "seconds_for", None)
        per_second = rate() if callable(rate) else None
        calls_left = self._planned_calls - self.report.calls
        seconds = reckon(calls_left) if callable(reckon) else None
        # The calls made are not told apart by kind: each kind is taken to have gone in its share.
        share = max(calls_left, 0) / self._planned_calls if self._planned_calls else 0.0
        kinds_left = {
            kind: (math.ceil(planned * share), rate(kind) if callable(rate) else None)
            for kind, planned in self._planned_kinds.items()
        }
        found = waiting(
            self._label,
            self.connector.limits,
            calls_left=calls_left,
            per_second=per_second,
            time_scale=float(getattr(pacer, "time_scale", 1.0)),
            seconds=seconds,
            kinds_left=kinds_left,
        )
        self.report.seconds_left = found.seconds_left if found else None
        self._say(found.message if found else "")

    def _check_connection(self) -> None:
        with self._uow() as uow:
            current = uow.connections(self.connection.company_id).get(self.connection.id)
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
        self._say_waiting()
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
        self._known, self._in_pass = None, True
        try:
            await self._drafting_and_sending(tier)
        finally:
            self._known, self._in_pass = None, False

    async def _drafting_and_sending(self, tier: Sequence[tuple[RecordKind, Step]]) -> None:
        concurrency = max(1, self.connector.limits.concurrency)
        queue = _BatchQueue(entries=QUEUE_ENTRIES)
        drafter = ChunkDrafter(self.store, self.connection, self._resolver, self._refused, tier=tier)
        feed = _Feed(asyncio.get_running_loop())
        workers = [asyncio.create_task(self._batch_worker(queue)) for _ in range(concurrency)]
        for worker in workers:
            worker.add_done_callback(lambda ended: self._worker_ended(ended, queue))
        # a thread of the drafting's own, not one of the event loop's: the drafting waits while its
        # queue is full, and the writes that empty it may be waiting for one of the loop's threads
        drafting_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledgerlink-drafting")
        drafting = feed.loop.run_in_executor(
            drafting_thread,
            functools.partial(contextvars.copy_context().run, self._draft_tier, drafter, tier, queue, feed),
        )
        try:
            await asyncio.shield(drafting)
            if self._died is None:
                for _ in workers:
                    await queue.put(None)
                await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            feed.stop()  # stopped or a worker died: no chunk more is drafted, nor one waits for room
            for worker in workers:  # cancelled or a worker died: what is in flight waits, or is uncertain
                worker.cancel()
            await asyncio.wait(workers)  # nothing of this send still runs once it has ended
            await asyncio.wait([drafting])  # nor the drafting,
            drafting_thread.shutdown(wait=False)  # (its one task has ended)
            await asyncio.to_thread(drafter.close)  # nor a chunk being read ahead
        if self._died is not None:
            raise self._died
        if self._broken is not None:
            raise self._broken

    def _draft_tier(
        self,
        drafter: ChunkDrafter,
        tier: Sequence[tuple[RecordKind, Step]],
        queue: _BatchQueue,
        feed: _Feed,
    ) -> None:
        """The tier's chunks drafted one after the other in this thread (the drafting's own), each
        handed to the event loop to queue while the next is drafted: the drafting waits for the loop
        only where the queue is full, rather than twice a chunk, behind every reply the loop is busy
        recording."""
        for kind, step in tier:
            after = 0
            while self._going() and not feed.stopped:
                feed.wait_for_room(queue)
                if feed.stopped:
                    break
                drafted = drafter.next(kind, step, after)
                if drafted is None:
                    break
                after = drafted.last_id
                if not feed.hand(self._queue_chunk(drafted, self._batches(drafted.items), queue)):
                    return
        feed.hand(None)

    async def _queue_chunk(self, drafted: Drafted, batches: list[list[Item]], queue: _BatchQueue) -> None:
        self.report.blocked.update(drafted.blocked)
        self.report.failed.update(drafted.failed)
        for batch in batches:
            await queue.put(batch)

    def _worker_ended(self, worker: asyncio.Task[None], queue: asyncio.Queue[list[Item] | None]) -> None:
        """A worker that dies (not an error a connector raises, which it keeps; the process being
        stopped) stops the pass: the other workers send nothing more, and what was queued for them is
        dropped, still waiting in the outbox, so drafting never waits on a queue nobody empties."""
        if worker.cancelled() or worker.exception() is None or self._died is not None:
            return
        self._died = worker.exception()
        while not queue.empty():
            queue.get_nowait()

    def _going(self) -> bool:
        return (
            not self._stop_reason and self._broken is None and self._died is None and not self._slice_over()
        )

    async def _batch_worker(self, queue: asyncio.Queue[list[Item] | None]) -> None:
        """Sends batches off the queue; after a stop it only empties the queue, so drafting never waits.

        Outcomes are written a group at a time, in the transaction that marks the next group on its way:
        one commit for many calls while the package answers fast, one a call while its pace is slow
        (a group is written once it is GROUP_SECONDS old). The group begun ahead is sized by how many
        calls the last one held, so a stopped process leaves few entries to settle as uncertain.
        """
        begun: deque[list[Item]] = deque()  # on their way in the outbox, not sent yet
        answered: list[Answered] = []  # sent, their outcomes not written yet
        group = _Group(self._ahead)
        try:
            while True:
                first: list[Item] | None = None
                if not begun:
                    first = await queue.get()
                    if first is None:  # the tier's last outcomes, beside the other workers' last
                        await self._write_beside(answered, last=True)
                        return
                    if not self._going():
                        continue
                try:
                    if first is not None:
                        begun.extend(
                            await self._write_beside(
                                [], begin=[first, *self._waiting(queue, group.ahead - 1)]
                            )
                        )
                        group.started()
                    if begun:  # none, where a person held back what it was to begin
                        await self._send_next(begun, answered)
                    if group.full(len(answered), len(begun)):
                        self._ahead = group.ahead  # what the next tier's workers start from
                        more = self._waiting(queue, group.ahead - len(begun)) if self._going() else []
                        begun.extend(await self._write_beside(answered, begin=more))
                        group.started()
                except Exception as error:  # raised again by the pass, once the queue is drained
                    self._broken = error
        finally:
            if answered or begun:  # cancelled: keep what came back, and what never left waits again;
                self._write(answered, back=list(begun))  # only a request in flight is uncertain

    async def _send_next(self, begun: deque[list[Item]], answered: list[Answered]) -> None:
        """The first batch begun, sent, its outcome kept in `answered` (an error's written at once,
        after the outcomes before it); after a stop, what was begun waits again, unsent."""
        batch = begun.popleft()
        if not self._going():
            unsent = [batch, *begun]
            begun.clear()
            self._write(answered, back=unsent)
            return
        with collected_exchanges() as exchanges:
            try:
                outcomes = await self.connector.create([item.draft for item in batch])
            except Exception as error:  # every error a connector raises is settled here, by its effect
                self._write(answered)
                self._after_error(batch, exchanges, "create", error)
            else:
                answered.append(Answered(batch, outcomes, exchanges, "create"))
            finally:
                self.report.calls += len(exchanges)

    def _waiting(self, queue: asyncio.Queue[list[Item] | None], most: int) -> list[list[Item]]:
        """Up to `most` batches already on the queue (none is waited for), at most GROUP_ENTRIES
        entries in all; the end of the queue is left on it for the next turn."""
        found: list[list[Item]] = []
        entries = 0
        while len(found) < most and entries < GROUP_ENTRIES and not queue.empty():
            batch = queue.get_nowait()
            if batch is None:
                queue.put_nowait(None)
                break
            found.append(batch)
            entries += len(batch)
        return found

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

    async def _send_batch(self, batch: list[Item], *, operation: str) -> None:
        """Send one batch on its own and write what came of it before anything else goes."""
        if not self._write([], begin=[batch]):
            return  # a person held back one of its records meanwhile
        with collected_exchanges() as exchanges:
            try:
                outcomes = await self.connector.create([item.draft for item in batch])
            except Exception as error:  # every error a connector raises is settled here, by its effect
                self._after_error(batch, exchanges, operation, error)
            else:
                self._write([Answered(batch, outcomes, exchanges, operation)])
            finally:
                self.report.calls += len(exchanges)

    def _after_error(
        self, batch: list[Item], exchanges: list[Exchange], operation: str, error: Exception
    ) -> None:
        """What a batch's error does, decided by its effect alone (`ledgerlink.errors`): a record's
        refusal fails the batch; anything else stops or slows the connection and fails nothing."""
        effect = effect_of(error)
        if effect is Effect.RECORD:
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
        elif effect is Effect.RECONNECT:
            self._settle(batch, exchanges, operation, state=EntryState.WAITING, reason="", outcome="auth")
            self._mark_reconnect(str(error))
            self._stop(f"the connection needs reconnecting: {error}")
        elif isinstance(error, RateLimited):
            self._settle(
                batch, exchanges, operation, state=EntryState.WAITING, reason="", outcome="rate_limited"
            )
            if error.scope == "day":
                self._day_retry = error.retry_after
                self._pause(error.retry_after, "the package's daily limit was reached")
                self._stop(
                    f"the package's daily limit was reached; sending resumes in {error.retry_after / 3600:.1f} h"
                )
            else:
                self._requeued = True
        elif effect is Effect.PASSING:
            self._settle(
                batch, exchanges, operation, state=EntryState.WAITING, reason="", outcome="unavailable"
            )
            self._stop(f"the package is unavailable: {error}")
        else:
            self._settle(
                batch,
                exchanges,
                operation,
                state=EntryState.UNCERTAIN,
                reason=str(error) or type(error).__name__,
                outcome="uncertain",
            )
            if not isinstance(error, UncertainOutcome):  # an answer nobody foresaw: stop, fail nothing
                log.error(
                    "connection %s: unexpected error from the package", self.connection.id, exc_info=error
                )
                self._stop(
                    f"the package answered in a way ledgerlink does not know ({type(error).__name__}: "
                    f"{error}); nothing failed, and the next send settles the records on their way"
                )

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

    def _write(
        self,
        answered: list[Answered],
        *,
        begin: Sequence[list[Item]] = (),
        back: Sequence[list[Item]] = (),
    ) -> Sequence[list[Item]]:
        """One short transaction: the outcomes of the calls `answered` (emptied), the batches `begin`
        marked on their way (those returned, to be sent), and those `back` (marked, never sent) waiting
        again."""
        if not (answered or begin or back):
            return begin
        calls, answered[:] = list(answered), []
        written, begun = self._write_rows(calls, begin, back)
        self._count(written)
        return self._begun(begin, begun)

    async def _write_beside(
        self, answered: list[Answered], *, begin: Sequence[list[Item]] = (), last: bool = False
    ) -> Sequence[list[Item]]:
        """`_write`, in a thread of its own where the database is a server and the write is large:
        while the server works through it the other workers' requests keep leaving and their replies
        keep arriving. A small write stays on the event loop: in a thread, each of its statements would
        end waiting for the interpreter's lock longer than the server took to answer. The worker waits
        for it either way: what it begins is committed before it is sent. A worker's `last` write of a
        tier goes to a thread however small: the other workers are writing their last too, and the
        next tier starts once all of them have.

        Cancelled meanwhile, it waits for the transaction to end as it would have, so nothing is still
        writing once the send has stopped; the batches it began are left on their way, and the next
        send settles them as it settles a stopped process's."""
        rows = sum(len(call.batch) for call in answered) + sum(len(batch) for batch in begin)
        if not self.store.writers_wait_on_the_server or (rows < WRITE_BESIDE_FROM and not last):
            return self._write(answered, begin=begin)
        if not (answered or begin):
            return begin
        calls, answered[:] = list(answered), []
        writing = asyncio.ensure_future(asyncio.to_thread(self._write_rows, calls, begin, ()))
        try:
            written, begun = await asyncio.shield(writing)
        except asyncio.CancelledError:  # the send ends only once its transaction has
            await asyncio.wait([writing])
            raise
        self._count(written)
        return self._begun(begin, begun)

    def _write_rows(
        self, calls: list[Answered], begin: Sequence[list[Item]], back: Sequence[list[Item]]
    ) -> tuple[Written, Sequence[list[Item]]]:
        """The rows of a write, committed, and the batches of `begin` marked on their way; safe in a
        worker thread, as it changes nothing the event loop's tasks read but the refused mappings,
        which only ever gain entries.

        A person may hold a record do-not-send (or change its entry otherwise) after the send drafted
        it and before its call is marked on its way. The move to on-its-way is then refused, and the
        whole write with it; it is made again without the batches that hold such an entry (their
        other entries stay waiting), rather than stop the send or send what the person held back."""
        for _ in range(WRITE_TRIES - 1):
            try:
                return self._write_rows_once(calls, begin, back), begin
            except IllegalTransition:
                if not begin:
                    raise
            begin = self._still_free_to_go(begin)
        return self._write_rows_once(calls, begin, back), begin

    def _still_free_to_go(self, batches: Sequence[list[Item]]) -> list[list[Item]]:
        """The batches whose every entry may still be marked on its way."""
        with self._uow() as uow:
            free = self._outbox(uow).movable(
                [item.entry.id for batch in batches for item in batch], EntryState.PROCESSING
            )
        return [batch for batch in batches if all(item.entry.id in free for item in batch)]

    def _begun(self, begin: Sequence[list[Item]], begun: Sequence[list[Item]]) -> Sequence[list[Item]]:
        """`begun`, the batches of `begin` marked on their way; where some were not, their entries
        still waiting go in the tier's next pass."""
        if len(begun) < len(begin):
            self._requeued = True
        return begun

    def _write_rows_once(
        self, calls: list[Answered], begin: Sequence[list[Item]], back: Sequence[list[Item]]
    ) -> Written:
        with self._uow() as uow:
            written = write_outcomes(uow, self.connection, calls, refused=self._refused, now=self.now)
            outbox = self._outbox(uow)
            outbox.begin_attempts(
                [
                    ([item.entry.id for item in batch], batch_key(item.entry.key for item in batch))
                    for batch in begin
                ]
            )
            unsent = [item.entry.id for batch in back for item in batch]
            if unsent:
                outbox.set_state(unsent, EntryState.WAITING, reason="")
            uow.commit()
        return written

    def _count(self, written: Written) -> None:
        self.report.sent.update(written.sent)
        self.report.failed.update(written.failed)
        if written.settled:
            self._tick(written.settled)

    def _pause(self, seconds: float, reason: str) -> None:
        with self._uow() as uow:
            uow.connections(self.connection.company_id).pause_until(
                self.connection.id, self.now() + timedelta(seconds=seconds), reason
            )
            uow.commit()

    def _mark_reconnect(self, reason: str) -> None:
        with self._uow() as uow:
            uow.connections(self.connection.company_id).set_status(
                self.connection.id, "needs_reconnect", reason
            )
            uow.commit()

    # --- uncertain entries -------------------------------------------------------------------------

    async def settle_uncertain(self, entry_ids: Sequence[int] | None = None) -> SendReport:
        """Settle uncertain entries now (those named, or all), and nothing else: replayed with their
        keys, or looked up by natural key. What a person's Re-send of an uncertain record does."""
        try:
            self._check_connection()
            await self._resolve_uncertain(None if entry_ids is None else set(entry_ids))
        except StopSending as stop:
            self.report.stopped = str(stop)
        finally:
            with self._uow() as uow:
                self.report.counts = self._outbox(uow).counts()
            self.report.finished = datetime.now(UTC)
        return self.report

    async def _resolve_uncertain(self, only: set[int] | None = None) -> None:
        with self._uow() as uow:
            outbox = self._outbox(uow)
            uncertain = [
                entry
                for entry in outbox.in_states([EntryState.UNCERTAIN])
                if only is None or entry.id in only
            ]
            if not uncertain:
                return
            groups: dict[str, list[OutboxEntry]] = {}
            for entry in uncertain:
                groups.setdefault(entry.batch_key or f"entry-{entry.id}", []).append(entry)
            resolver = self._resolver(uow)
            prepared: list[tuple[list[Item], bool]] = []
            unsettled: list[dict[str, Any]] = []
            for entries in groups.values():
                items = []
                for entry in entries:
                    stored = uow.records(self.connection.company_id).find(entry.kind, entry.source_id)
                    if stored is None:
                        continue
                    try:
                        draft = build_draft(DraftRequest.of(stored, entry.step, entry.key), resolver)
                    except NotReadyToSend as problem:
                        # it cannot be asked about until this is put right: said on the entry, not hidden
                        unsettled.append(
                            {"entry_id": entry.id, "reason": f"cannot be settled yet: {problem}"}
                        )
                        continue
                    items.append(Item(entry, stored.record, draft))
                recent = all(self.now() - entry.updated_at < REPLAY_WINDOW for entry in entries)
                replayable = (
                    self.connector.replay_proves_outcome
                    and self.connector.idempotency is not IdempotencyMechanism.NATURAL_KEY_ONLY
                )
                prepared.append((items, recent and replayable and len(items) == len(entries)))
            outbox.set_each(unsettled)
            uow.commit()
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
        """Where a replay cannot prove the outcome: find by natural key, and only if absent, send again.
        A look-up the package answers with this record's own problem (found only in part) fails it."""
        for item in items:
            with collected_exchanges() as exchanges:
                try:
                    package_id = await self.connector.find(item.draft, taken=self._taken_by_another(item))
                except (UncertainOutcome, PackageUnavailable, RateLimited) as error:
                    self._stop(f"could not confirm {item.entry.label} in the package: {error}")
                    return
                except PackageError as error:
                    if effect_of(error) is not Effect.RECORD:
                        raise
                    self._settle(
                        [item],
                        exchanges,
                        "find",
                        state=EntryState.FAILED,
                        reason=str(error),
                        outcome="refused",
                    )
                    self.report.failed[item.entry.kind.label] += 1
                    continue
                finally:
                    self.report.calls += len(exchanges)
            if package_id:
                self._write([Answered([item], [Created(item.entry.key, package_id)], exchanges, "find")])
            else:
                with self._uow() as uow:
                    outbox = self._outbox(uow)
                    outbox.set_state([item.entry.id], EntryState.WAITING, reason="")
                    outbox.record_attempts(
                        [
                            attempt_row(
                                item.entry,
                                "find",
                                "absent",
                                exchanges[-1] if exchanges else None,
                                "not in the package",
                            )
                        ]
                    )
                    uow.commit()

    def _taken_by_another(self, item: Item) -> Callable[[str], bool]:
        """Whether a package object is linked to another record already, so a look-up passes it by."""

        def taken(package_id: str) -> bool:
            with self._uow() as uow:
                holder = uow.links(self.connection.id).find_by_package_id(item.entry.kind, package_id)
            return holder is not None and holder.source_id != item.entry.source_id

        return taken

    # --- changes after sending ---------------------------------------------------------------------

    async def _credit_and_reissue(self) -> None:
        """Before anything new goes, so payments sent next settle the invoice as issued again."""
        reissuer = Reissuer(self.store, self.connection, self.connector)
        self.report.updated += await reissuer.run(self._resolver)
        self.report.calls += reissuer.calls

    async def _update_changed(self) -> None:
        """Records changed after they were sent, once new parties and documents are in the package and
        before anything is set against them, so a credit note or a payment of an invoice's new total
        finds that total there."""
        changes = ChangesAfterSending(self.store, self.connection, self.connector)
        self.report.updated += await changes.run(self._resolver)
        self.report.calls += changes.calls
