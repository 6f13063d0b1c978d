"""Settling uncertain records at a person's word (Re-send), without a whole send.

An uncertain record may be in the package already: it is replayed with the key it was sent with, or
looked up by its natural key, and only then is it sent again or called sent. Nothing else is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import ReconnectNeeded
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.sending.controls import banner, chosen_entries, connection_of
from ledgerlink.services.sending.engine import Sender


@dataclass(frozen=True)
class Settled:
    """What settling uncertain records came to: each is sent (found in the package, or replayed and
    created), waiting (not in the package: it goes with the next send), failed, or still uncertain
    (the package could not be asked now: `stopped` says why)."""

    asked: int = 0
    sent: int = 0
    waiting: int = 0
    failed: int = 0
    still_uncertain: int = 0
    stopped: str = ""

    @property
    def summary(self) -> str:
        if not self.asked:
            return ""
        parts = [
            f"{self.sent} in the package" if self.sent else "",
            f"{self.waiting} not in it, to go with the next send" if self.waiting else "",
            f"{self.failed} failed" if self.failed else "",
            f"{self.still_uncertain} still uncertain ({self.stopped or 'see the failures'})"
            if self.still_uncertain
            else "",
        ]
        return f"{self.asked} uncertain settled: " + ", ".join(part for part in parts if part)


async def settle_uncertain(
    connectors: ConnectorFactory,
    company_id: int,
    source_ids: Sequence[str] = (),
    *,
    kind: RecordKind | None = None,
) -> Settled:
    """Settle uncertain records now (those named, or all), asking the package: replayed with the same
    key, or looked up by natural key. Nothing else is sent."""
    connection = connection_of(connectors.store, company_id)
    with connectors.store.unit_of_work() as uow:
        chosen = chosen_entries(uow.outbox(connection), source_ids, kind, [EntryState.UNCERTAIN])
    if not chosen:
        return Settled()
    if connection.needs_reconnect:
        raise ReconnectNeeded(banner(connection))
    connector = connectors.connector(connection)
    try:
        report = await Sender(connectors.store, connection=connection, connector=connector).settle_uncertain(
            [entry.id for entry in chosen]
        )
    finally:
        await connector.aclose()
    with connectors.store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        states = Counter(found.state for entry in chosen if (found := outbox.get(entry.id)) is not None)
    return Settled(
        asked=len(chosen),
        sent=states[EntryState.SENT],
        waiting=states[EntryState.WAITING] + states[EntryState.BLOCKED],
        failed=states[EntryState.FAILED],
        still_uncertain=states[EntryState.UNCERTAIN] + states[EntryState.PROCESSING],
        stopped=report.stopped,
    )
