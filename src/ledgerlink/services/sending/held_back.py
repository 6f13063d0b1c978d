"""The records a person marked do-not-send, listed so each can be put back: the list the dashboard's
do-not-send button fills, read through the same outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import RecordNotFound
from ledgerlink.services.sending.controls import connection_of
from ledgerlink.store import Store


@dataclass(frozen=True)
class HeldBack:
    entry_id: int
    kind: RecordKind
    source_id: str
    name: str  # the document's number, or the customer's or supplier's name
    gross: Decimal | None
    since: datetime


def held_back(store: Store, company_id: int) -> list[HeldBack]:
    """Every record of the company marked do-not-send, newest mark first; none before connecting."""
    try:
        connection = connection_of(store, company_id)
    except RecordNotFound:
        return []
    with store.unit_of_work() as uow:
        entries = uow.outbox(connection).in_states([EntryState.DO_NOT_SEND])
        stored = {
            (s.kind, s.source_id): s
            for s in uow.records(company_id).load((e.kind, e.source_id) for e in entries)
        }
    found = []
    for entry in entries:
        record = stored.get((entry.kind, entry.source_id))
        name = ""
        if record is not None:
            name = str(getattr(record.record, "number", "") or getattr(record.record, "display_name", ""))
        found.append(
            HeldBack(
                entry_id=entry.id,
                kind=entry.kind,
                source_id=entry.source_id,
                name=name or entry.source_id,
                gross=record.gross if record is not None else None,
                since=entry.updated_at,
            )
        )
    return sorted(found, key=lambda held: held.since, reverse=True)
