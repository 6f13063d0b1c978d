"""Reading on a schedule: a connection set to be read on a schedule is queued once when due, its read
applies what the package changed, and it is not due again until its interval has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from procrastinate import App
from procrastinate.testing import InMemoryConnector

from ledgerlink.domain.records import RecordKind
from ledgerlink.services.inbound.scheduled import due_reads
from ledgerlink.services.inbound.settings import save_reading_settings
from ledgerlink.worker.from_package import READ_TASK, queue_due, read_from_package
from tests.conftest import scratch_database
from tests.support.package_side import sent_books

pytestmark = pytest.mark.postgres


async def test_a_scheduled_connection_is_read_when_due_and_not_before(tmp_path: Path) -> None:
    with scratch_database("from_package") as url:
        side = await sent_books("sage", tmp_path, database_url=url)
        assert due_reads(side.store) == []  # on demand by default
        save_reading_settings(side.store, side.company_id, schedule="scheduled", interval_minutes=15)
        payment_id = await side.pays("J-1", "70.00")
        queue = InMemoryConnector()
        app = App(connector=queue)

        first = await queue_due(side.store, app)
        again = await queue_due(side.store, app)
        [job] = queue.jobs.values()
        outcome = await read_from_package(side.connectors, side.connection.id, side.company_id)

        assert (first["reads"], again["reads"]) == (1, 0)  # one read waits per connection
        assert (job["task_name"], job["lock"]) == (READ_TASK, f"connection-{side.connection.id}")
        assert "'applied': 1" in outcome, outcome
        assert side.linked(RecordKind.CUSTOMER_PAYMENT, f"sage-{payment_id}") == payment_id
        assert due_reads(side.store) == []
        later = datetime.now(UTC) + timedelta(minutes=16)
        assert due_reads(side.store, later) == [(side.connection.id, side.company_id)]
        side.store.close()
