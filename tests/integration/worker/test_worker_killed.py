"""A worker killed while it sends: the others finish its work, nothing lost, nothing sent twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from ledgerlink.services.demo.fleet import Books, connected_company, duplicates_and_missing
from ledgerlink.services.operations.scheduling import request_send
from ledgerlink.services.operations.tokens import EARLY_REFRESH
from tests.integration.worker.conftest import Fleet

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def sending(fleet: Fleet) -> bool:
    with fleet.store.engine.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing' AND task_name = 'ledgerlink.send'"
                )
            )
        )


def sent_so_far(fleet: Fleet) -> int:
    with fleet.store.engine.connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM outbox_entries WHERE state = 'sent'")) or 0)


async def test_a_killed_worker_leaves_nothing_lost_and_nothing_sent_twice(
    fleet_factory: Callable[..., Fleet],
) -> None:
    # Access tokens that need renewing every few seconds: refreshes happen while batches are on their way.
    fleet = fleet_factory(("sage",), time_scale=10.0, access_lifetime=EARLY_REFRESH.total_seconds() + 3)
    companies = [
        await connected_company(
            fleet.connectors,
            package="sage",
            name=f"Killed Worker {n}",
            books=Books(invoices=25, customers=8),
            seed=n,
        )
        for n in (1, 2, 3)
    ]
    for connection, _ in companies:
        assert request_send(
            fleet.store, fleet.settings, connection.company_id, reason="Send pressed", pressed=True
        ).queued

    fleet.start_worker("doomed")
    fleet.wait_until(
        lambda: sending(fleet) and sent_so_far(fleet) > 5, timeout=60, what="the doomed worker to send"
    )
    fleet.start_worker("survivor")
    fleet.kill("doomed")
    fleet.wait_until(lambda: fleet.unsent() == 0, timeout=90, what="the survivor to send everything")

    counts = {b["name"]: b["counts"] for b in fleet.sandbox("sage").businesses()}
    for connection, _ in companies:
        with fleet.store.unit_of_work() as uow:
            records = uow.records(connection.company_id).counts()
        assert duplicates_and_missing("sage", records, counts[connection.business_name]) == (0, 0)
    assert "back on the queue" in fleet.log_of("survivor", tail=10**7)
    assert fleet.sandbox("sage").oauth.counters.refreshes > 1
