"""Reading what changed in the package: each feed the connection's settings ask for, from its cursor.

A feed's changes and its new cursor are kept in one transaction, after the whole feed was read: a
read that dies midway keeps nothing and moves no cursor, and the next read starts where the last one
that finished ended. A change read twice (the overlap every cursor keeps) is kept once. A feed may
hold changes of more than its own kind (a package's credit notes may be voided there too): only the kinds
the connection asks for are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledgerlink.errors import ConcurrentWrite
from ledgerlink.packages.base import PackageConnector
from ledgerlink.services.inbound.changes import to_read
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection
from ledgerlink.store.inbound import InboundSettings
from ledgerlink.store.tables import utcnow


@dataclass
class ReadReport:
    """What one read found: per feed, how many changes it held and how many were new."""

    read: dict[str, int] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)

    @property
    def new_total(self) -> int:
        return sum(self.new.values())


def reading_settings(store: Store, connection: Connection) -> InboundSettings:
    for attempt in range(2):
        try:
            with store.unit_of_work() as uow:
                settings = uow.inbound(connection).settings()
                uow.commit()
            return settings
        except ConcurrentWrite:
            if attempt:
                raise
    raise AssertionError("unreachable")


async def read_changes(store: Store, connection: Connection, connector: PackageConnector) -> ReadReport:
    """Read every feed of the kinds the connection wants, from each feed's cursor."""
    settings = reading_settings(store, connection)
    with store.unit_of_work() as uow:
        cursors = uow.inbound(connection).cursors()
    report = ReadReport()
    for feed, kind in connector.change_feeds.items():
        if kind.value not in settings.kinds:
            continue
        read = await connector.read_changes(feed, cursors.get(feed), start=settings.reading_since)
        with store.unit_of_work() as uow:
            inbound = uow.inbound(connection)
            wanted = (change for change in read.changes if change.change_kind.value in settings.kinds)
            report.new[feed] = inbound.add_changes(to_read(change) for change in wanted)
            inbound.set_cursor(feed, read.cursor)
            uow.commit()
        report.read[feed] = len(read.changes)
    with store.unit_of_work() as uow:
        uow.inbound(connection).update_settings(last_read_at=utcnow())
        uow.commit()
    return report
