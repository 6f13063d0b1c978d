"""Automatic sending on SQLite: `ledgerlink serve` sends on schedule, and soon after records arrive.

SQLite has no worker and no queue. A user who sets a company's sending to automatic expects it to
send by itself, so the web app does what the workers do on PostgreSQL, from its own process: every few
seconds it looks for automatic connections whose interval has passed, or for which records arriving
(the REST API, a CSV import from any process) asked for a send at least `DEBOUNCE_SECONDS` ago, and
starts their sends as its Send button does. What stays true: nothing sends automatically on SQLite
while no `ledgerlink serve` runs (`ledgerlink send` sends at once, as always), and a send already
running for a connection (one send per connection, whoever starts it) is left to finish its work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ledgerlink.errors import LedgerlinkError
from ledgerlink.services.operations.scheduling import ASKED, DEBOUNCE_SECONDS, due_sends, mark_scheduled
from ledgerlink.store import Store
from ledgerlink.store.schedule import Due

log = logging.getLogger(__name__)

LOOK_EVERY_SECONDS = 5.0


def due_inline_sends(store: Store, now: datetime | None = None) -> list[Due]:
    """Automatic connections to send for now: their interval has passed, or records asked a while ago."""
    now = now or datetime.now(UTC)
    by_interval = due_sends(store, now)
    with store.unit_of_work() as uow:
        candidates = uow.schedule.automatic_sends(now)
        asked = uow.schedule.marks(ASKED)
    settled = now - timedelta(seconds=DEBOUNCE_SECONDS)
    due = {item.connection_id: item for item in by_interval}
    for send in candidates:
        at = asked.get(send.connection_id)
        if at is not None and at <= settled:
            due.setdefault(send.connection_id, Due(send.connection_id, send.company_id))
    return list(due.values())


def started_inline(store: Store, connection_ids: list[int], now: datetime | None = None) -> None:
    """These connections' sends started: their interval runs from now, and their asks are answered."""
    if not connection_ids:
        return
    mark_scheduled(store, connection_ids, "send", now)
    with store.unit_of_work() as uow:
        uow.schedule.clear(connection_ids, ASKED)
        uow.commit()


async def send_on_schedule(
    store: Store, start: Callable[[int], object], *, every: float = LOOK_EVERY_SECONDS
) -> None:
    """Look for due sends every `every` seconds and `start(company_id)` each, until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            due = await asyncio.to_thread(due_inline_sends, store)
            for item in due:
                try:
                    start(item.company_id)
                except LedgerlinkError as error:  # not ready to send (a step missing): asked again later
                    log.warning("company %s: no automatic send: %s", item.company_id, error)
            await asyncio.to_thread(started_inline, store, [item.connection_id for item in due])
        except Exception:  # a database hiccup: the next look tries again
            log.exception("could not look for automatic sends")
