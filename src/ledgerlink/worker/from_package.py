"""The queue's tasks for what comes back from the package: scheduled reads and webhook deliveries.

A read holds its connection's lock (`connection-<id>`), the one every send holds too, so a read never
runs while that connection sends: a payment ledgerlink is sending is linked before it can be read back.
A minute tick queues what is due; a read that fails for a passing reason waits for the next tick.
"""

from __future__ import annotations

import logging
from typing import Any

import procrastinate
from procrastinate import exceptions as queue_errors

from ledgerlink.errors import PackageError
from ledgerlink.services.inbound.run import read_and_apply_connection
from ledgerlink.services.inbound.scheduled import READ_TASK, due_deliveries, due_reads
from ledgerlink.services.inbound.webhooks import deliver_due
from ledgerlink.services.onboarding.connect import find_connection
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.scheduling import connection_locks
from ledgerlink.store import Store

log = logging.getLogger(__name__)

__all__ = ["READ_TASK", "queue_due", "read_from_package", "register"]

DELIVER_TASK = "ledgerlink.deliver_webhooks"
TICK_TASK = "ledgerlink.from_package_tick"


async def read_from_package(connectors: ConnectorFactory, connection_id: int, company_id: int) -> str:
    """Read and apply one connection's changes, then post its company's webhooks due."""
    connection = find_connection(connectors.store, company_id, connection_id)
    if connection is None or connection.status != "active":
        return "skipped: the connection is not active"
    try:
        report = await read_and_apply_connection(connectors, connection)
    except PackageError as error:
        return f"not read: {error}"
    delivered = await deliver_due(connectors.store, connectors.box, company_id)
    return (
        f"{report.read.new_total} new, {report.applied.counts or 'nothing applied'}; "
        f"{delivered.delivered} webhook(s) delivered"
    )


async def _defer(app: procrastinate.App, task: str, options: dict[str, Any], **kwargs: Any) -> bool:
    try:
        await app.configure_task(task, **options).defer_async(**kwargs)
    except queue_errors.AlreadyEnqueued:
        return False
    return True


async def queue_due(store: Store, app: procrastinate.App) -> dict[str, int]:
    """Queue every scheduled read and webhook delivery that is due."""
    reads = deliveries = 0
    for connection_id, company_id in due_reads(store):
        options = connection_locks(connection_id, "from-package")
        reads += await _defer(app, READ_TASK, options, connection_id=connection_id, company_id=company_id)
    for company_id in due_deliveries(store):
        options = {"queueing_lock": f"webhooks-{company_id}"}
        deliveries += await _defer(app, DELIVER_TASK, options, company_id=company_id)
    return {"reads": reads, "webhooks": deliveries}


def register(app: procrastinate.App, connectors: ConnectorFactory) -> None:
    """Add the tasks to the worker's app."""

    @app.task(name=READ_TASK)
    async def read_task(connection_id: int, company_id: int) -> str:
        return await read_from_package(connectors, connection_id, company_id)

    @app.task(name=DELIVER_TASK)
    async def deliver_task(company_id: int) -> str:
        report = await deliver_due(connectors.store, connectors.box, company_id)
        return f"{report.delivered} delivered, {report.failed} to try again"

    @app.periodic(cron="* * * * *", periodic_id="from-package")
    @app.task(name=TICK_TASK, queueing_lock="from-package-tick")
    async def tick_task(timestamp: int) -> str:
        queued = await queue_due(connectors.store, app)
        return ", ".join(f"{count} {kind}" for kind, count in queued.items())
