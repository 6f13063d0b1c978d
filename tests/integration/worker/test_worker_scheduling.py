"""What the queue is asked to do: one waiting send however often asked, nothing for a paused connection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from procrastinate import App
from procrastinate.testing import InMemoryConnector
from sqlalchemy import text, update

from ledgerlink.sandbox.kit import FaultSettings
from ledgerlink.services.scheduling import SEND_TASK, due_list_reads, due_sends, request_send
from ledgerlink.store.connection_tables import ConnectionRow
from ledgerlink.store.connections import ConnectionRepository
from ledgerlink.worker.app import WorkerEnv, read_lists, schedule_due, send
from ledgerlink.worker.sandbox_fleet import Books, connected_company, duplicates_and_missing
from tests.integration.worker.conftest import Fleet

pytestmark = pytest.mark.postgres

SMALL = Books(invoices=3, customers=2)


def waiting_sends(fleet: Fleet) -> list[tuple[int, str]]:
    with fleet.store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, queueing_lock FROM procrastinate_jobs WHERE status = 'todo' AND task_name = :task"
            ),
            {"task": SEND_TASK},
        )
        return [(row.id, row.queueing_lock) for row in rows]


async def test_ten_requests_to_send_leave_one_send_waiting(fleet_factory: Callable[..., Fleet]) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.runtime, package="sage", name="Debounce", books=SMALL, seed=3, send_mode="automatic"
    )

    answers = [
        request_send(fleet.store, fleet.settings, connection.company_id, reason=f"records arrived ({n})")
        for n in range(10)
    ]

    assert answers[0].queued, answers[0]
    assert waiting_sends(fleet) == [(answers[0].job_id, f"send-{connection.id}")]
    assert all(answer.queued and answer.job_id is None for answer in answers[1:])


async def test_records_arriving_wait_for_send_where_sending_is_manual(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(fleet.runtime, package="sage", name="Manual", books=SMALL, seed=8)

    arrived = request_send(fleet.store, fleet.settings, connection.company_id, reason="records arrived")
    pressed = request_send(fleet.store, fleet.settings, connection.company_id, reason="Send", pressed=True)

    assert not arrived.queued
    assert waiting_sends(fleet) == [(pressed.job_id, f"send-{connection.id}")]  # the pressed one alone


async def test_a_paused_connection_is_not_picked_up_until_its_pause_ends(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.runtime, package="sage", name="Paused", books=SMALL, seed=4, send_mode="automatic"
    )
    assert [due.connection_id for due in due_sends(fleet.store)] == [connection.id]
    now = datetime.now(UTC)
    with fleet.store.unit_of_work() as uow:
        ConnectionRepository(uow.session, connection.company_id).pause_until(
            connection.id, now + timedelta(hours=3), "the package's daily limit was reached"
        )
        uow.commit()

    assert due_sends(fleet.store) == []
    env = WorkerEnv(store=fleet.store, settings=fleet.settings, runtime=fleet.runtime)
    outcome = await send(
        env, App(connector=InMemoryConnector()), connection.id, connection.company_id, "asked", 0
    )
    assert outcome.startswith("skipped: paused until")
    business = fleet.sandbox("sage").business_summaries()[0]
    assert (business["counts"]["contacts"], business["counts"]["sales_invoices"]) == (0, 0)

    assert [due.connection_id for due in due_sends(fleet.store, now + timedelta(hours=4))] == [connection.id]


async def test_a_connection_that_needs_reconnecting_is_never_scheduled(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.runtime, package="sage", name="Lost", books=SMALL, seed=5, send_mode="automatic"
    )
    with fleet.store.unit_of_work() as uow:
        ConnectionRepository(uow.session, connection.company_id).set_status(
            connection.id, "needs_reconnect", "the package refused our access"
        )
        uow.commit()

    assert due_sends(fleet.store, datetime.now(UTC) + timedelta(days=2)) == []


async def test_the_package_lists_are_read_again_after_a_day(fleet_factory: Callable[..., Fleet]) -> None:
    fleet = fleet_factory(("xero",))
    connection, _ = await connected_company(fleet.runtime, package="xero", name="Lists", books=SMALL, seed=9)
    assert due_list_reads(fleet.store) == []
    yesterday = datetime.now(UTC) - timedelta(days=1, minutes=1)
    with fleet.store.unit_of_work() as uow:
        uow.session.execute(
            update(ConnectionRow).where(ConnectionRow.id == connection.id).values(lists_read_at=yesterday)
        )
        uow.commit()
    assert [due.connection_id for due in due_list_reads(fleet.store)] == [connection.id]

    env = WorkerEnv(store=fleet.store, settings=fleet.settings, runtime=fleet.runtime)
    outcome = await read_lists(
        env, App(connector=InMemoryConnector()), connection.id, connection.company_id, 0
    )

    assert outcome == "lists read"
    assert due_list_reads(fleet.store) == []


async def test_the_minute_tick_queues_an_automatic_send_once_per_interval(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    await connected_company(
        fleet.runtime, package="sage", name="Ticking", books=SMALL, seed=10, send_mode="automatic"
    )
    app = App(connector=InMemoryConnector())

    first = await schedule_due(fleet.store, app)
    again = await schedule_due(fleet.store, app)

    assert (first["send"], again["send"]) == (1, 0)
    assert due_sends(fleet.store, datetime.now(UTC) + timedelta(minutes=61)) != []


async def test_records_whose_replies_were_lost_are_settled_by_a_send_queued_for_them(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.runtime, package="sage", name="Lost Replies", books=SMALL, seed=9
    )
    sandbox = fleet.sandbox("sage")
    business_id = sandbox.business_summaries()[0]["id"]
    sandbox.faults.set(FaultSettings(drop_after_store_rate=1.0), business_id=business_id)
    env = WorkerEnv(store=fleet.store, settings=fleet.settings, runtime=fleet.runtime)
    queue = InMemoryConnector()
    app = App(connector=queue)

    outcome = await send(env, app, connection.id, connection.company_id, "Send pressed", 0)

    assert "may have reached the package, to be settled" in outcome, outcome
    assert outcome.startswith("again in"), outcome
    [job] = queue.jobs.values()  # the send that settles them, a little later
    assert job["task_name"] == SEND_TASK
    assert job["queueing_lock"] == f"send-{connection.id}"
    assert job["args"]["attempt"] == 1

    sandbox.faults.reset()
    while True:  # what the queued send does, and its own follow-ups
        outcome = await send(env, app, connection.id, connection.company_id, "Send pressed", 1)
        if not outcome.endswith("more to send"):
            break
    assert outcome.startswith("sent"), outcome
    with fleet.store.unit_of_work() as uow:
        counts = uow.records(connection.company_id).counts()
    business = sandbox.business_summaries()[0]
    assert duplicates_and_missing("sage", counts, business["counts"]) == (0, 0)
    assert fleet.unsent() == 0
