"""What a person sees of the outbox and does to it: counts, failures, re-send, do-not-send, dry runs.

The command line and the browser both use these, so a failure reads the same wherever it is seen.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from ledgerlink.domain.money import ZERO
from ledgerlink.domain.outbox import (
    SEND_TIERS,
    EntryState,
    OutboxEntry,
    RecordSendState,
    Step,
    record_send_state,
    send_state_label,
)
from ledgerlink.domain.records import RecordKind, parents_of
from ledgerlink.errors import ReconnectNeeded, RecordNotFound
from ledgerlink.packages.registry import get_package
from ledgerlink.services.linking.proposals import close_linked_parties
from ledgerlink.services.onboarding.steps import require_step
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.notices import after_send
from ledgerlink.services.sending import reissue
from ledgerlink.services.sending.engine import Progress, Sender, SendReport
from ledgerlink.services.sending.names import RecordNames
from ledgerlink.services.sending.opening_queue import queue_opening_items
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, Link
from ledgerlink.store.outbox import OutboxRepository
from ledgerlink.store.records import StoredRecord


@dataclass(frozen=True)
class Status:
    company: str
    connection: Connection
    counts: dict[EntryState, int]
    by_kind: dict[RecordKind, dict[EntryState, int]]
    changed_after_sending: int
    banner: str  # what the person must do about the connection, if anything

    @property
    def last_sent_at(self) -> datetime | None:
        return self.connection.last_sent_at

    @property
    def cut_off_date(self) -> date | None:
        return self.connection.cut_off_date


@dataclass(frozen=True)
class Failure:
    entry_id: int
    kind: RecordKind
    source_id: str
    step: Step
    state: EntryState
    number: str
    reason: str
    field: str
    attempts: int
    updated_at: datetime
    title: str = ""  # "Invoice INV-10015 · Mrs J Smith · £120.00 · 03/02/2026"


def connection_of(store: Store, company_id: int) -> Connection:
    with store.unit_of_work() as uow:
        connection = uow.connections(company_id).current()
    if connection is None:
        raise RecordNotFound("this company is not connected to a package: connect one first")
    return connection


def banner(connection: Connection, now: datetime | None = None) -> str:
    label = get_package(connection.package).label
    if connection.status == "needs_reconnect":
        return f"{label} needs you to reconnect: {connection.status_reason}"
    if connection.paused_until is not None and (now is None or connection.paused_until > now):
        return f"Sending to {label} is paused until {connection.paused_until:%d %b %H:%M} UTC: {connection.status_reason}"
    return ""


def status(store: Store, company_id: int) -> Status:
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        counts = outbox.counts()
        by_kind: dict[RecordKind, dict[EntryState, int]] = {}
        for (kind, state), count in outbox.counts_by_kind().items():
            by_kind.setdefault(kind, dict.fromkeys(EntryState, 0))[state] = count
        changed = len(outbox.changed_after_sending())
        company = uow.companies.list()
    name = next((c.name for c in company if c.id == company_id), "")
    return Status(name, connection, counts, by_kind, changed, banner(connection, datetime.now(UTC)))


def failures(store: Store, company_id: int, *, include_blocked: bool = True) -> list[Failure]:
    connection = connection_of(store, company_id)
    states = [EntryState.FAILED, EntryState.UNCERTAIN] + ([EntryState.BLOCKED] if include_blocked else [])
    with store.unit_of_work() as uow:
        entries = uow.outbox(connection).in_states(states)
        stored = uow.records(company_id).load((e.kind, e.source_id) for e in entries)
        mentioned = {key: parents_of(s.record) for s in stored if (key := (s.kind, s.source_id))}
        names = RecordNames.read(
            uow, company_id, [*mentioned, *(parent for parents in mentioned.values() for parent in parents)]
        )
    numbers = {
        (s.kind, s.source_id): str(getattr(s.record, "number", "") or getattr(s.record, "display_name", ""))
        for s in stored
    }

    def reason(entry: OutboxEntry) -> str:
        said = entry.blocked_by if entry.state is EntryState.BLOCKED else entry.reason
        key = (entry.kind, entry.source_id)
        return names.in_words(said, [key, *mentioned.get(key, ())])

    return [
        Failure(
            entry_id=entry.id,
            kind=entry.kind,
            source_id=entry.source_id,
            step=entry.step,
            state=entry.state,
            number=numbers.get((entry.kind, entry.source_id), ""),
            reason=reason(entry),
            field=entry.reason_field,
            attempts=entry.attempts,
            updated_at=entry.updated_at,
            title=names.title((entry.kind, entry.source_id)),
        )
        for entry in sorted(entries, key=lambda e: (e.kind.value, e.source_id))
    ]


@dataclass(frozen=True)
class RecordStatus:
    """One record and where it stands with the company's connection (none: nothing is queued)."""

    stored: StoredRecord
    entry: OutboxEntry | None
    link: Link | None

    @property
    def state(self) -> RecordSendState:
        return record_send_state(self.entry.state if self.entry else None, linked=self.link is not None)

    @property
    def state_label(self) -> str:
        return send_state_label(self.state)

    @property
    def package_id(self) -> str:
        return (self.link.package_id if self.link else "") or (self.entry.package_id if self.entry else "")


def record_status(store: Store, company_id: int, kind: RecordKind, source_id: str) -> RecordStatus:
    """The record, its outbox entry and its link, read together; RecordNotFound if the record is not held."""
    with store.unit_of_work() as uow:
        stored = uow.records(company_id).find(kind, source_id)
        if stored is None:
            raise RecordNotFound(f"there is no {kind.label} {source_id} for this company")
        connection = uow.connections(company_id).current()
        if connection is None:
            return RecordStatus(stored, None, None)
        entry = uow.outbox(connection).find(kind, source_id)
        link = uow.links(connection.id).find(kind, source_id)
    return RecordStatus(stored, entry, link)


def entry_history(store: Store, company_id: int, entry_id: int) -> tuple[OutboxEntry, list[dict[str, Any]]]:
    """An outbox entry of the company's connection and every attempt made for it, oldest first."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        entry = outbox.get(entry_id)
        if entry is None:
            raise RecordNotFound(f"there is no outbox entry {entry_id} for this company")
        return entry, outbox.attempts(entry_id)


def chosen_entries(
    outbox: OutboxRepository, source_ids: Sequence[str], kind: RecordKind | None, states: Sequence[EntryState]
) -> list[OutboxEntry]:
    entries = outbox.in_states(states, kind=kind)
    if source_ids:
        wanted = set(source_ids)
        entries = [entry for entry in entries if entry.source_id in wanted or str(entry.id) in wanted]
    return entries


def resend(
    store: Store, company_id: int, source_ids: Sequence[str] = (), *, kind: RecordKind | None = None
) -> int:
    """Failed (or do-not-send) records back to waiting with a fresh key; none named: every failed one."""
    connection = connection_of(store, company_id)
    states = [EntryState.FAILED, EntryState.DO_NOT_SEND] if source_ids else [EntryState.FAILED]
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        moved = outbox.resend([entry.id for entry in chosen_entries(outbox, source_ids, kind, states)])
        uow.commit()
    return moved


@dataclass(frozen=True)
class Held:
    """What `do_not_send` did: how many entries it moved, and the records it could not move now."""

    changed: int
    in_flight: list[str]  # on their way, or uncertain: settled by the next send, then they can be held


def do_not_send(
    store: Store,
    company_id: int,
    source_ids: Sequence[str],
    *,
    kind: RecordKind | None = None,
    undo: bool = False,
) -> Held:
    """Keep records out of the package (reversible), or with `undo`, put them back.

    Any record in scope can be held, whether or not a send has touched it yet: the outbox is brought up
    to date first, so a record fed since the last send has its entry to hold. A record already sent is
    held too: its later changes stay out of the package, and putting it back makes it sent again.
    """
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        outbox.sync(connection.cut_off_date)
        close_linked_parties(uow, connection)
        if undo:
            chosen = chosen_entries(outbox, source_ids, kind, [EntryState.DO_NOT_SEND])
            moved = outbox.resend([entry.id for entry in chosen])
            in_flight: list[str] = []
        else:
            states = [EntryState.WAITING, EntryState.FAILED, EntryState.BLOCKED, EntryState.SENT]
            chosen = chosen_entries(outbox, source_ids, kind, states)
            outbox.set_state(
                [entry.id for entry in chosen],
                EntryState.DO_NOT_SEND,
                reason="marked do-not-send by a person",
            )
            moved = len(chosen)
            busy = [EntryState.PROCESSING, EntryState.UNCERTAIN]
            in_flight = [entry.source_id for entry in chosen_entries(outbox, source_ids, kind, busy)]
        uow.commit()
    return Held(moved, list(dict.fromkeys(in_flight)))


def unknown_names(store: Store, company_id: int, names: Sequence[str]) -> list[str]:
    """The names given to `resend` or `do_not_send` (job-system ids or entry numbers) that no record in
    scope answers to, in the order given, so a person (or a script) hears of a mistyped id, or of a
    record dated before the cut-off date."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        outbox.sync(connection.cut_off_date)
        known = outbox.named(list(dict.fromkeys(names)))
        uow.commit()
    return [name for name in dict.fromkeys(names) if name not in known]


SendOutcome = Literal["done", "needs_attention", "needs_reconnect", "try_later"]
"""What a finished send leaves to do: nothing; records a person must look at (failed, or blocked on a
mapping or a failed parent); a person must sign in again; or run it again later (the package stopped
it for now, or replies were lost and the next send settles them, and what waits on them)."""


def send_outcome(store: Store, company_id: int, report: SendReport) -> SendOutcome:
    """The outcome of a send, from its report and the connection as the send left it."""
    connection = connection_of(store, company_id)
    if connection.status != "active":
        return "needs_reconnect"
    if report.stopped:
        return "try_later"
    if report.counts.get(EntryState.FAILED, 0):
        return "needs_attention"
    if report.counts.get(EntryState.UNCERTAIN, 0) or report.more:
        return "try_later"  # what waits on them (blocked) may go with the next send
    if report.counts.get(EntryState.BLOCKED, 0):
        return "needs_attention"
    return "done"


def leave_change(store: Store, company_id: int, source_id: str, *, kind: RecordKind) -> None:
    """Accept that the package keeps the version it was sent; the change is noted, not sent."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        entry = outbox.find(kind, source_id)
        stored = uow.records(company_id).find(kind, source_id)
        if entry is None or stored is None or not entry.changed_after_sending:
            raise RecordNotFound(f"{kind.label} {source_id} has no change waiting for a decision")
        outbox.set_each(
            [
                {
                    "entry_id": entry.id,
                    "record_version": stored.version,
                    "changed_after_sending": "",
                    "reason": f"changed after sending and left as sent ({entry.changed_after_sending.split(').')[0]})",
                }
            ]
        )
        uow.commit()


@dataclass(frozen=True)
class Change:
    """A sent record that changed since, and what a person may choose for it."""

    kind: RecordKind
    source_id: str
    note: str
    chosen: bool  # credit and re-issue is chosen and will be (or is being) carried out by the next send
    can_reissue: bool
    title: str = ""  # the record as people name it


def changes(store: Store, company_id: int) -> list[Change]:
    """Records changed after sending that wait for a person's choice (or carry one out)."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        listed = uow.outbox(connection).changed_after_sending()
        names = RecordNames.read(uow, company_id, [(entry.kind, entry.source_id) for entry in listed])
    found: list[Change] = []
    for entry in listed:
        if entry.changed_after_sending == "pending":
            continue
        chosen = entry.changed_after_sending.startswith(reissue.CHOSEN)
        note = (
            f"to be credited and issued again on the next send ({entry.reason or 'not begun'})"
            if chosen
            else entry.changed_after_sending
        )
        found.append(
            Change(
                entry.kind,
                entry.source_id,
                note,
                chosen,
                entry.kind in reissue.REISSUABLE,
                names.title((entry.kind, entry.source_id)),
            )
        )
    return found


def credit_and_reissue(store: Store, company_id: int, source_id: str, *, kind: RecordKind) -> None:
    """A person's choice for a sent invoice the package could not change: the next send credits it
    (mirroring what was sent) and issues it again as it is now."""
    reissue.choose(store, connection_of(store, company_id), kind, source_id)


@dataclass(frozen=True)
class DryRunLine:
    kind: RecordKind
    step: Step
    count: int
    gross: Decimal


@dataclass(frozen=True)
class DryRun:
    lines: tuple[DryRunLine, ...]
    contacts_to_create: int
    already_linked: int


def dry_run(store: Store, company_id: int) -> DryRun:
    """What a send would create, by type, with totals; nothing is sent and nothing is kept."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        outbox.sync(connection.cut_off_date)
        queue_opening_items(uow, connection)
        close_linked_parties(uow, connection)
        pending = outbox.in_states(
            [EntryState.WAITING, EntryState.BLOCKED, EntryState.FAILED, EntryState.UNCERTAIN]
        )
        gross: dict[tuple[RecordKind, str], Decimal] = {}
        records = uow.records(company_id)
        for stored in records.load((entry.kind, entry.source_id) for entry in pending):
            gross[(stored.kind, stored.source_id)] = stored.gross or ZERO
        links = uow.links(connection.id)
        linked = links.count(RecordKind.CUSTOMER) + links.count(RecordKind.SUPPLIER)
        uow.rollback()
    counts: Counter[tuple[RecordKind, Step]] = Counter()
    totals: dict[tuple[RecordKind, Step], Decimal] = {}
    for entry in pending:
        key = (entry.kind, entry.step)
        counts[key] += 1
        if entry.step is Step.CREATE:
            totals[key] = totals.get(key, ZERO) + gross.get((entry.kind, entry.source_id), ZERO)
    send_order = [pair for tier in SEND_TIERS for pair in tier]
    lines = tuple(
        DryRunLine(kind, step, count, totals.get((kind, step), ZERO))
        for (kind, step), count in sorted(
            counts.items(),
            key=lambda item: send_order.index(item[0]) if item[0] in send_order else len(send_order),
        )
    )
    contacts = counts[(RecordKind.CUSTOMER, Step.CREATE)] + counts[(RecordKind.SUPPLIER, Step.CREATE)]
    return DryRun(lines, contacts, linked)


async def send_now(
    connectors: ConnectorFactory,
    company_id: int,
    *,
    progress: Progress | None = None,
    started_by: str = "a send",
    on_waiting: Callable[[str], None] | None = None,
) -> SendReport:
    """Send everything waiting, if the onboarding path allows sending yet.

    A connection that needs reconnecting is refused as such (ReconnectNeeded), before the steps are
    asked: a person must sign in again, whatever else is missing. A send already running for the
    connection, started anywhere, is answered with SendInProgress naming it (`started_by` names this one).
    """
    connection = connection_of(connectors.store, company_id)
    if connection.needs_reconnect:
        await _tell_administrators(connectors, company_id)
        raise ReconnectNeeded(banner(connection))
    require_step(connectors.store, company_id, "send")
    connector = connectors.connector(connection)
    try:
        report = await Sender(
            connectors.store,
            connection=connection,
            connector=connector,
            progress=progress,
            started_by=started_by,
            on_waiting=on_waiting,
        ).run()
    finally:
        await connector.aclose()
    await _tell_administrators(connectors, company_id)
    return report


async def _tell_administrators(connectors: ConnectorFactory, company_id: int) -> None:
    """Email the administrators what the send left for them (at most one of each kind a day)."""
    await asyncio.to_thread(after_send, connectors.store, connectors.settings, company_id)
