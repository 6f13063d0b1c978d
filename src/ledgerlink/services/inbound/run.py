"""Reading and applying for one company, on demand (the command line, the web) or from a worker.

The connection's settings say which kinds of change come back; a read and its applying are separate
steps, so a read that dies leaves nothing half applied and an applying that dies is taken up again.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerlink.services.inbound.applying import ApplyReport, apply_changes
from ledgerlink.services.inbound.reading import ReadReport, read_changes
from ledgerlink.services.inbound.scheduled import queue_read
from ledgerlink.services.inbound.webhooks import deliver_due
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.scheduling import uses_queue
from ledgerlink.services.sending.controls import connection_of
from ledgerlink.store.connections import Connection


@dataclass(frozen=True)
class ChangesReport:
    read: ReadReport
    applied: ApplyReport
    queued_deliveries: int


async def read_and_apply_connection(connectors: ConnectorFactory, connection: Connection) -> ChangesReport:
    connector = connectors.connector(connection)
    try:
        read = await read_changes(connectors.store, connection, connector)
    finally:
        await connector.aclose()
    applied = apply_changes(connectors.store, connection)
    with connectors.store.unit_of_work() as uow:
        queued = uow.package_events(connection.company_id).enqueue()
        uow.commit()
    return ChangesReport(read, applied, queued)


async def read_and_apply(connectors: ConnectorFactory, company_id: int) -> ChangesReport:
    """Read what changed in the company's package since the last read, and apply it."""
    return await read_and_apply_connection(connectors, connection_of(connectors.store, company_id))


async def read_apply_and_deliver(connectors: ConnectorFactory, connection: Connection) -> None:
    """Read and apply here, then post the webhooks due: what a notice or a person's ask does on SQLite."""
    await read_and_apply_connection(connectors, connection)
    await deliver_due(connectors.store, connectors.box, connection.company_id)


def ask_for_read(connectors: ConnectorFactory, company_id: int) -> Connection | None:
    """A read asked for now: on the workers' queue where they run (answers None), or the connection
    for the caller to read in its own process (SQLite)."""
    connection = connection_of(connectors.store, company_id)
    if uses_queue(connectors.store):
        queue_read(connectors.store, connection)
        return None
    return connection
