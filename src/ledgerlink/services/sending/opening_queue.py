"""Open items at the cut-off queued to go to a new package as opening items, before what settles them."""

from __future__ import annotations

from ledgerlink.services.onboarding.opening_mapping import open_at_cut_off, opening_items_way
from ledgerlink.store.connections import Connection
from ledgerlink.store.unit_of_work import UnitOfWork


def queue_opening_items(uow: UnitOfWork, connection: Connection) -> int:
    """On a path that sends them (new-package), an entry for each open item at the cut-off not in the
    package yet (neither linked nor settled outside), so the send puts it in as an opening item before
    what is set against it after the cut-off. Answers how many entries were made."""
    if connection.cut_off_date is None or opening_items_way(connection) is None:
        return 0
    keys = [
        (s.kind, s.source_id) for s, _ in open_at_cut_off(uow, connection.company_id, connection.cut_off_date)
    ]
    links = uow.links(connection.id)
    keys = [key for key in keys if links.find(*key) is None]
    return uow.outbox(connection).queue_records(keys)
