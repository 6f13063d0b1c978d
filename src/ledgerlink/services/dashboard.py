"""What a person sees of the outbox and does to it: counts, failures, re-send, do-not-send, dry runs.

The command line and the browser both use these, so a failure reads the same wherever it is seen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from ledgerlink.domain.money import ZERO
from ledgerlink.domain.outbox import SEND_TIERS, EntryState, Step
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import RecordNotFound
from ledgerlink.packages.registry import get_package
from ledgerlink.services import reissue
from ledgerlink.services.linking import close_linked_parties
from ledgerlink.services.onboarding import require_step
from ledgerlink.services.runtime import Runtime
from ledgerlink.services.sending import Progress, Sender, SendReport
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository, LinkRepository
from ledgerlink.store.outbox import Entry, OutboxRepository


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


def connection_of(store: Store, company_id: int) -> Connection:
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company_id).current()
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
        outbox = OutboxRepository(uow.session, connection.id, company_id)
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
        entries = OutboxRepository(uow.session, connection.id, company_id).in_states(states)
        stored = uow.records(company_id).load((e.kind, e.source_id) for e in entries)
    numbers = {
        (s.kind, s.source_id): str(getattr(s.record, "number", "") or getattr(s.record, "display_name", ""))
        for s in stored
    }
    return [
        Failure(
            entry_id=entry.id,
            kind=entry.kind,
            source_id=entry.source_id,
            step=entry.step,
            state=entry.state,
            number=numbers.get((entry.kind, entry.source_id), ""),
            reason=entry.blocked_by if entry.state is EntryState.BLOCKED else entry.reason,
            field=entry.reason_field,
            attempts=entry.attempts,
            updated_at=entry.updated_at,
        )
        for entry in sorted(entries, key=lambda e: (e.kind.value, e.source_id))
    ]


def _select(
    outbox: OutboxRepository, source_ids: Sequence[str], kind: RecordKind | None, states: Sequence[EntryState]
) -> list[Entry]:
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
        outbox = OutboxRepository(uow.session, connection.id, company_id)
        moved = outbox.resend([entry.id for entry in _select(outbox, source_ids, kind, states)])
        uow.commit()
    return moved


def do_not_send(
    store: Store,
    company_id: int,
    source_ids: Sequence[str],
    *,
    kind: RecordKind | None = None,
    undo: bool = False,
) -> int:
    """Mark records never to be sent (reversible), or with `undo`, put them back to waiting."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = OutboxRepository(uow.session, connection.id, company_id)
        if undo:
            chosen = _select(outbox, source_ids, kind, [EntryState.DO_NOT_SEND])
            moved = outbox.resend([entry.id for entry in chosen])
        else:
            states = [EntryState.WAITING, EntryState.FAILED, EntryState.BLOCKED]
            chosen = _select(outbox, source_ids, kind, states)
            outbox.set_state(
                [entry.id for entry in chosen],
                EntryState.DO_NOT_SEND,
                reason="marked do-not-send by a person",
            )
            moved = len(chosen)
        uow.commit()
    return moved


def leave_change(store: Store, company_id: int, source_id: str, *, kind: RecordKind) -> None:
    """Accept that the package keeps the version it was sent; the change is noted, not sent."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        outbox = OutboxRepository(uow.session, connection.id, company_id)
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


def changes(store: Store, company_id: int) -> list[Change]:
    """Records changed after sending that wait for a person's choice (or carry one out)."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        listed = OutboxRepository(uow.session, connection.id, company_id).changed_after_sending()
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
        found.append(Change(entry.kind, entry.source_id, note, chosen, entry.kind in reissue.REISSUABLE))
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
        outbox = OutboxRepository(uow.session, connection.id, company_id)
        outbox.sync(connection.cut_off_date)
        close_linked_parties(uow, connection)
        pending = outbox.in_states(
            [EntryState.WAITING, EntryState.BLOCKED, EntryState.FAILED, EntryState.UNCERTAIN]
        )
        gross: dict[tuple[RecordKind, str], Decimal] = {}
        records = uow.records(company_id)
        for stored in records.load((entry.kind, entry.source_id) for entry in pending):
            gross[(stored.kind, stored.source_id)] = stored.gross or ZERO
        links = LinkRepository(uow.session, connection.id)
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


async def send_now(runtime: Runtime, company_id: int, *, progress: Progress | None = None) -> SendReport:
    """Send everything waiting, if the onboarding path allows sending yet."""
    require_step(runtime.store, company_id, "send")
    connection = connection_of(runtime.store, company_id)
    connector = runtime.connector(connection)
    try:
        return await Sender(
            runtime.store, connection=connection, connector=connector, progress=progress
        ).run()
    finally:
        await connector.aclose()
