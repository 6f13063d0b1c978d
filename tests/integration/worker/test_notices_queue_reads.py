"""Where workers run, a verified notice from the package queues a read for them instead of reading in
the web process: one waits per connection however many notices arrive, and a worker's read applies it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ledgerlink.domain.records import RecordKind
from ledgerlink.services.inbound.scheduled import READ_TASK
from ledgerlink.worker.from_package import read_from_package
from tests.conftest import scratch_database
from tests.integration.services.inbound.test_package_notices import KEY, listen
from tests.support.package_side import PackageSide, sent_books

pytestmark = pytest.mark.postgres


def waiting_reads(side: PackageSide) -> list[tuple[str, str]]:
    with side.store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT lock, queueing_lock FROM procrastinate_jobs WHERE status = 'todo' AND task_name = :task"
            ),
            {"task": READ_TASK},
        )
        return [(row.lock, row.queueing_lock) for row in rows]


async def test_a_notice_queues_a_read_for_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERLINK_XERO_WEBHOOK_KEY", KEY)
    with scratch_database("notices_queue") as url:
        side = await sent_books("xero", tmp_path, database_url=url)
        assert (await listen(side, tmp_path))["intent_to_receive"] == "OK"
        payment_id = await side.pays("J-1", "70.00")
        first = (await side.admin("POST", "/_sandbox/webhooks/flush"))["sent"]
        await side.pays("J-2", "10.00")
        second = (await side.admin("POST", "/_sandbox/webhooks/flush"))["sent"]

        assert first
        assert second
        assert {notice["status"] for notice in first + second} == {200}
        lock = f"connection-{side.connection.id}"
        assert waiting_reads(side) == [(lock, f"from-package-{side.connection.id}")]
        with side.store.unit_of_work() as uow:  # the web process read nothing itself
            assert uow.inbound(side.connection).counts() == {}

        outcome = await read_from_package(side.connectors, side.connection.id, side.company_id)

        assert "'applied': 2" in outcome, outcome
        assert side.linked(RecordKind.CUSTOMER_PAYMENT, f"xero-{payment_id}") == payment_id
        side.store.close()
