"""What came back from the package, as rows for the outbox: links, the entries' new states, attempts.

Several calls' outcomes may be written in one transaction (the sender groups them while the package
answers faster than a commit is worth): every entry among them was marked on its way, with its
idempotency key, before its request left, so an outcome lost with a stopped process leaves the entry
uncertain, and the next send settles it by replay or look-up before anything new goes for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledgerlink.domain.money import format_money
from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.connection import Exchange
from ledgerlink.packages.drafts import Created, Outcome, Refused
from ledgerlink.services.sending.attempts import attempt_row, failed_change, total_difference
from ledgerlink.services.sending.chunks import Item
from ledgerlink.services.sending.refusals import RefusedMappings, refused_mapping
from ledgerlink.services.sending.sent_summary import sent_summary
from ledgerlink.store import UnitOfWork
from ledgerlink.store.connections import Connection

NOT_MENTIONED = "the package's reply did not mention this record"


@dataclass(frozen=True)
class Answered:
    """One call's batch and what the package answered for it, waiting to be written."""

    batch: list[Item]
    outcomes: list[Outcome]
    exchanges: list[Exchange]
    operation: str


@dataclass
class Written:
    """What a write came to, for the send's report: the kinds sent and failed, and how many settled."""

    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    settled: int = 0


def write_outcomes(
    uow: UnitOfWork,
    connection: Connection,
    answered: list[Answered],
    *,
    refused: RefusedMappings,
    now: Callable[[], datetime],
) -> Written:
    """The links, the entries' states and the attempts of every call in `answered`, in `uow` (not
    committed): a statement or two for them all, however many calls they were."""
    written = Written()
    changes: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    created: list[tuple[Item, Created, Answered]] = []
    for call in answered:
        by_key = {outcome.key: outcome for outcome in call.outcomes}
        last = call.exchanges[-1] if call.exchanges else None
        written.settled += len(call.batch)
        for item in call.batch:
            entry = item.entry
            outcome = by_key.get(entry.key)
            if outcome is None:
                changes.append(
                    {"entry_id": entry.id, "state": EntryState.UNCERTAIN.value, "reason": NOT_MENTIONED}
                )
                attempts.append(attempt_row(entry, call.operation, "uncertain", last, NOT_MENTIONED))
            elif isinstance(outcome, Refused):
                reason = "; ".join(str(problem) for problem in outcome.problems)
                field_name = outcome.problems[0].field if outcome.problems else ""
                mapping = refused_mapping(item.record, item.draft, reason)
                if mapping is not None:  # name our account, and spare the others using it a call
                    refused.setdefault((mapping.package_id, mapping.document_type), mapping)
                    reason, field_name = mapping.reason(connection.package.title()), mapping.field
                changes.append(failed_change(entry, reason, field_name))
                attempts.append(attempt_row(entry, call.operation, "refused", last, reason))
                written.failed[entry.kind.label] += 1
            else:
                created.append((item, outcome, call))
    links = uow.links(connection.id)
    new_links: dict[RecordKind, list[tuple[str, str, str]]] = {}
    for item, outcome, _ in created:
        if item.entry.step is Step.CREATE:
            new_links.setdefault(item.entry.kind, []).append(
                (item.entry.source_id, outcome.package_id, item.entry.version)
            )
    conflicts: dict[tuple[RecordKind, str], str] = {}
    for kind, pairs in new_links.items():
        for source_id, refusal in links.add_many(kind, pairs, how="created").items():
            conflicts[(kind, source_id)] = str(refusal)
    sent_at = now()
    for item, outcome, call in created:
        entry = item.entry
        last = call.exchanges[-1] if call.exchanges else None
        conflict = conflicts.get((entry.kind, entry.source_id), "") if entry.step is Step.CREATE else ""
        if conflict:
            changes.append(failed_change(entry, conflict, "link"))
            attempts.append(attempt_row(entry, call.operation, "conflict", last, conflict))
            written.failed[entry.kind.label] += 1
            continue
        difference = total_difference(item.draft, outcome)
        note = "; ".join(outcome.warnings)
        if difference:
            note = "; ".join(
                filter(None, [note, f"the package's total differs from ours by {format_money(difference)}"])
            )
        changes.append(
            {
                "entry_id": entry.id,
                "state": EntryState.SENT.value,
                "package_id": outcome.package_id,
                "sent_at": sent_at,
                "reason": note,
                "reason_field": "",
                "blocked_by": "",
                "total_difference": difference,
                "sent_summary": sent_summary(item.draft),
            }
        )
        attempts.append(attempt_row(entry, call.operation, "created", last, outcome.package_id))
        written.sent[entry.kind.label] += 1
    outbox = uow.outbox(connection)
    outbox.set_each(changes)
    outbox.record_attempts(attempts)
    return written
