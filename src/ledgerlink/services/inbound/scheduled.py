"""Reading on a schedule: which connections are due a read, and which companies have webhooks due.

The workers ask here every minute; on SQLite, with no workers, reading is on demand only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ledgerlink.services.operations.scheduling import connection_locks, queue_app
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

READ_TASK = "ledgerlink.read_from_package"  # the workers' task that reads one connection's changes


def due_reads(store: Store, now: datetime | None = None) -> list[tuple[int, int]]:
    """(connection id, company id) of connections read on a schedule whose interval has passed."""
    with store.unit_of_work() as uow:
        return uow.inbound_schedule.due_reads(now or datetime.now(UTC))


def due_deliveries(store: Store, now: datetime | None = None) -> list[int]:
    """Companies with a webhook delivery whose next try is due."""
    with store.unit_of_work() as uow:
        return uow.inbound_schedule.companies_with_deliveries_due(now or datetime.now(UTC))


def queue_read(store: Store, connection: Connection) -> bool:
    """A read of the connection on the workers' queue; False when one is waiting already."""
    from procrastinate import exceptions as queue_errors

    deferrer = queue_app(store).configure_task(
        READ_TASK,
        **connection_locks(connection.id, "from-package"),  # type: ignore[arg-type]
    )
    try:
        deferrer.defer(connection_id=connection.id, company_id=connection.company_id)
    except queue_errors.AlreadyEnqueued:
        return False
    return True
