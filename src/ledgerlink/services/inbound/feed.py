"""The changes feed: a company's events from its packages, oldest first, paged by the last id seen.

A job system keeps the id of the last event it handled and asks for the ones after it: nothing is
skipped and nothing repeated, however long it was away. What is listed for a person is in the feed
too (`what` is `needs_person`, with the reason), so the job system can show it where people look, and
whether a person has marked it dealt with since (`dealt_with`: who, when, their note; null while it
waits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgerlink.services.inbound.dealt_with import dealt_with_json
from ledgerlink.services.inbound.webhooks import event_json
from ledgerlink.store import Store

MAX_PAGE = 500


@dataclass(frozen=True)
class ChangesPage:
    changes: list[dict[str, Any]]
    after: int  # the cursor to ask with next: the last id on this page, or the one asked with

    @property
    def more(self) -> bool:
        return bool(self.changes)


def changes_page(store: Store, company_id: int, *, after: int = 0, limit: int = 100) -> ChangesPage:
    limit = max(1, min(limit, MAX_PAGE))
    with store.unit_of_work() as uow:
        repository = uow.package_events(company_id)
        events = repository.page(after=after, limit=limit)
        marks = repository.dealt_with([event.id for event in events if event.what == "needs_person"])
    changes = [{**event_json(event), "dealt_with": dealt_with_json(marks.get(event.id))} for event in events]
    return ChangesPage(changes, changes[-1]["id"] if changes else after)


def delivery_log(store: Store, company_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    """The webhook deliveries, newest first: each change posted, its attempts and the last answer."""
    with store.unit_of_work() as uow:
        log = uow.package_events(company_id).deliveries(limit)
    return [
        {
            "event_id": d.event.id,
            "url": d.url,
            "state": d.state,
            "attempts": d.attempts,
            "last_status": d.last_status,
            "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at.isoformat() if d.state == "pending" else None,
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        }
        for d in log
    ]
