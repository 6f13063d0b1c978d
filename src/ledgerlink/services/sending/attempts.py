"""The rows the outbox keeps of each try: an attempt's outcome, an entry's failure, a batch's key.

Every path that talks to the package (sending, resolving an uncertain entry, updating a changed one)
records what came of it the same way, so the dashboard's history of an entry reads alike whatever did it.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from ledgerlink.domain.outbox import EntryState, OutboxEntry
from ledgerlink.packages.connection import Exchange
from ledgerlink.packages.drafts import Created, DocumentDraft, Draft

_exchanges: contextvars.ContextVar[list[Exchange] | None] = contextvars.ContextVar("exchanges", default=None)


def collect_exchange(exchange: Exchange) -> None:
    """The connector's observer: each exchange lands with the batch whose task made it."""
    bucket = _exchanges.get()
    if bucket is not None:
        bucket.append(exchange)


@contextmanager
def collected_exchanges() -> Iterator[list[Exchange]]:
    """The exchanges this task makes meanwhile (batches in flight at once each keep their own)."""
    bucket: list[Exchange] = []
    token = _exchanges.set(bucket)
    try:
        yield bucket
    finally:
        _exchanges.reset(token)


def batch_key(entry_keys: Iterable[str]) -> str:
    """One key for the entries that travel together, so a stopped run finds its batch again."""
    return hashlib.sha256("|".join(entry_keys).encode()).hexdigest()[:32]


def failed_change(entry: OutboxEntry, reason: str, field: str) -> dict[str, Any]:
    """The entry failed for a reason of its own: the package's message, and the field it names."""
    return {
        "entry_id": entry.id,
        "state": EntryState.FAILED.value,
        "reason": reason,
        "reason_field": field,
        "blocked_by": "",
    }


def attempt_row(
    entry: OutboxEntry, operation: str, outcome: str, exchange: Exchange | None, detail: str
) -> dict[str, Any]:
    """One try, with the package's status and request id when there was an exchange."""
    return {
        "entry_id": entry.id,
        "operation": operation,
        "idempotency_key": entry.key,
        "outcome": outcome,
        "status": exchange.status if exchange else None,
        "request_id": exchange.request_id if exchange else "",
        "request": f"{exchange.method} {exchange.path}"[:300] if exchange else "",
        "detail": detail[:2000],
    }


def total_difference(draft: Draft, outcome: Created) -> Decimal | None:
    """How far the package's total is from ours, when it reported one and it differs."""
    if outcome.totals is None or not isinstance(draft, DocumentDraft):
        return None
    difference = outcome.totals.gross - draft.gross
    return difference if difference else None
