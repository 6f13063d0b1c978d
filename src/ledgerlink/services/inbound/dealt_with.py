"""A change left for a person, marked dealt with once a person has settled it (in the package or the
job system), and the mark taken off again when that was a mistake.

The change stays what it was (needs_person) and its event stays in the job system's log: the mark
says who settled it, when, and what they noted, so it leaves the waiting list without leaving the
history, and the changes feed says it beside the change.
"""

from __future__ import annotations

from typing import Any

from ledgerlink.errors import ConfigurationError, RecordNotFound
from ledgerlink.store import Store
from ledgerlink.store.package_events import DealtWith
from ledgerlink.store.tables import utcnow

NOTE_LIMIT = 2000


def mark_dealt_with(store: Store, company_id: int, event_id: int, *, by: str, note: str = "") -> DealtWith:
    """Mark the change of one event waiting for a person dealt with by `by`, now."""
    who = by.strip()[:200]
    if not who:
        raise ConfigurationError("say who dealt with it")
    mark = DealtWith(who, utcnow(), note.strip()[:NOTE_LIMIT])
    _mark(store, company_id, event_id, mark)
    return mark


def undo_dealt_with(store: Store, company_id: int, event_id: int) -> None:
    """The change waits for a person again."""
    _mark(store, company_id, event_id, None)


def _mark(store: Store, company_id: int, event_id: int, mark: DealtWith | None) -> None:
    with store.unit_of_work() as uow:
        if not uow.package_events(company_id).mark_dealt_with(event_id, mark):
            raise RecordNotFound(f"no change {event_id} waiting for a person")
        uow.commit()


def dealt_with_json(mark: DealtWith | None) -> dict[str, Any] | None:
    """The mark as the changes feed shows it: null while the change waits (or needs no person)."""
    if mark is None:
        return None
    return {"by": mark.by, "at": mark.at.isoformat(), "note": mark.note}
