"""A package's webhook notice arriving: checked against the package's own signature scheme, answered
as the package expects, and turned into reads of the connections it names.

A notice is only a prompt: what changed is read from the change feeds as on any read, so a forged,
repeated or lost notice can change nothing, and a missed one waits for the next read at most.

Where workers run (PostgreSQL), a verified notice queues a read of each connection it names, under the
connection's lock like every scheduled read, and the web process reads nothing itself: however many
notices arrive, one read per connection waits. On SQLite, with no workers, the web process reads them
itself once it has answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.registry import get_package
from ledgerlink.services.inbound.scheduled import queue_read
from ledgerlink.services.onboarding.connect import find_connection
from ledgerlink.services.operations.scheduling import uses_queue
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection


@dataclass(frozen=True)
class NoticeAnswer:
    """The status to answer the package with, the connections to read here once it has gone, and how
    many reads went on the queue for the workers instead."""

    status: int
    to_read: tuple[Connection, ...] = ()
    queued: int = 0


def receive_notice(store: Store, package: str, body: bytes, headers: Mapping[str, str]) -> NoticeAnswer:
    """404 for a package that sends no webhooks, 401 for a notice it did not sign, else 200."""
    try:
        entry = get_package(package)
    except ConfigurationError:
        return NoticeAnswer(404)
    if entry.webhooks is None:
        return NoticeAnswer(404)
    key = entry.config().webhook_key
    if not key or not entry.webhooks.verify(key, body, headers):
        return NoticeAnswer(401)
    businesses = entry.webhooks.businesses(body)
    with store.unit_of_work() as uow:
        found = uow.inbound_schedule.connections_of_business(entry.name, businesses)
    named = [find_connection(store, company_id, connection_id) for connection_id, company_id in found]
    connections = tuple(c for c in named if c is not None)
    if not uses_queue(store):
        return NoticeAnswer(200, connections)
    return NoticeAnswer(200, queued=sum(queue_read(store, connection) for connection in connections))
