"""What the queue is asked to do: one waiting send however often asked, nothing for a paused connection."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from procrastinate import App
from procrastinate.testing import InMemoryConnector
from sqlalchemy import text, update

from ledgerlink.sandbox.kit import FaultSettings
from ledgerlink.services.access import create_api_key
from ledgerlink.services.demo.fleet import Books, connected_company, duplicates_and_missing
from ledgerlink.services.operations.scheduling import SEND_TASK, due_list_reads, due_sends, request_send
from ledgerlink.store.connection_tables import ConnectionRow
from ledgerlink.store.connections import ConnectionRepository
from ledgerlink.web import create_app
from ledgerlink.worker.app import WorkerEnv, read_lists, schedule_due, send
from tests.integration.worker.conftest import Fleet
from tests.support.command_line import run_ledgerlink

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
        fleet.connectors, package="sage", name="Debounce", books=SMALL, seed=3, send_mode="automatic"
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
    connection, _ = await connected_company(
        fleet.connectors, package="sage", name="Manual", books=SMALL, seed=8
    )

    arrived = request_send(fleet.store, fleet.settings, connection.company_id, reason="records arrived")
    pressed = request_send(fleet.store, fleet.settings, connection.company_id, reason="Send", pressed=True)

    assert not arrived.queued
    assert waiting_sends(fleet) == [(pressed.job_id, f"send-{connection.id}")]  # the pressed one alone


async def test_a_paused_connection_is_not_picked_up_until_its_pause_ends(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.connectors, package="sage", name="Paused", books=SMALL, seed=4, send_mode="automatic"
    )
    assert [due.connection_id for due in due_sends(fleet.store)] == [connection.id]
    now = datetime.now(UTC)
    with fleet.store.unit_of_work() as uow:
        ConnectionRepository(uow.session, connection.company_id).pause_until(
            connection.id, now + timedelta(hours=3), "the package's daily limit was reached"
        )
        uow.commit()

    assert due_sends(fleet.store) == []
    env = WorkerEnv(store=fleet.store, settings=fleet.settings, connectors=fleet.connectors)
    outcome = await send(
        env, App(connector=InMemoryConnector()), connection.id, connection.company_id, "asked", 0
    )
    assert outcome.startswith("skipped: paused until")
    business = fleet.sandbox("sage").businesses()[0]
    assert (business["counts"]["contacts"], business["counts"]["sales_invoices"]) == (0, 0)

    assert [due.connection_id for due in due_sends(fleet.store, now + timedelta(hours=4))] == [connection.id]


async def test_a_connection_that_needs_reconnecting_is_never_scheduled(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.connectors, package="sage", name="Lost", books=SMALL, seed=5, send_mode="automatic"
    )
    with fleet.store.unit_of_work() as uow:
        ConnectionRepository(uow.session, connection.company_id).set_status(
            connection.id, "needs_reconnect", "the package refused our access"
        )
        uow.commit()

    assert due_sends(fleet.store, datetime.now(UTC) + timedelta(days=2)) == []


async def test_the_package_lists_are_read_again_after_a_day(fleet_factory: Callable[..., Fleet]) -> None:
    fleet = fleet_factory(("xero",))
    connection, _ = await connected_company(
        fleet.connectors, package="xero", name="Lists", books=SMALL, seed=9
    )
    assert due_list_reads(fleet.store) == []
    yesterday = datetime.now(UTC) - timedelta(days=1, minutes=1)
    with fleet.store.unit_of_work() as uow:
        uow.session.execute(
            update(ConnectionRow).where(ConnectionRow.id == connection.id).values(lists_read_at=yesterday)
        )
        uow.commit()
    assert [due.connection_id for due in due_list_reads(fleet.store)] == [connection.id]

    env = WorkerEnv(store=fleet.store, settings=fleet.settings, connectors=fleet.connectors)
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
        fleet.connectors, package="sage", name="Ticking", books=SMALL, seed=10, send_mode="automatic"
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
        fleet.connectors, package="sage", name="Lost Replies", books=SMALL, seed=9
    )
    sandbox = fleet.sandbox("sage")
    business_id = sandbox.businesses()[0]["id"]
    sandbox.faults.set(FaultSettings(drop_after_store_rate=1.0), business_id=business_id)
    env = WorkerEnv(store=fleet.store, settings=fleet.settings, connectors=fleet.connectors)
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
    business = sandbox.businesses()[0]
    assert duplicates_and_missing("sage", counts, business["counts"]) == (0, 0)
    assert fleet.unsent() == 0


async def test_the_schedule_command_queues_what_is_due(fleet_factory: Callable[..., Fleet]) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.connectors, package="sage", name="Cron", books=SMALL, seed=11, send_mode="automatic"
    )

    answer = run_ledgerlink("schedule", "--json", env=fleet.environ)

    assert answer.code == 0, answer.text
    assert json.loads(answer.stdout)["send"] == 1
    assert [lock for _, lock in waiting_sends(fleet)] == [f"send-{connection.id}"]


async def test_records_arriving_through_the_api_or_a_csv_file_ask_for_a_send(
    fleet_factory: Callable[..., Fleet], tmp_path: Path
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.connectors, package="sage", name="Arrivals", books=SMALL, seed=12, send_mode="automatic"
    )
    key = create_api_key(fleet.store, connection.company_id, name="jobs").plain
    app = create_app(fleet.store, fleet.settings, fleet.connectors)
    customer = {"first_name": "Ann", "last_name": "Arrival"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        put = await client.put(
            "/api/v1/customer/C-NEW", json=customer, headers={"Authorization": f"Bearer {key}"}
        )
    assert put.status_code == 201, put.text

    assert [lock for _, lock in waiting_sends(fleet)] == [f"send-{connection.id}"]

    with fleet.store.engine.begin() as database:  # the send ran; the next arrival asks again
        database.execute(text("DELETE FROM procrastinate_jobs"))
    sheet = tmp_path / "customers.csv"
    sheet.write_text("source_id,first_name,last_name\nC-CSV,Cath,Sheet\n")
    imported = run_ledgerlink(
        "import-csv", "customers", str(sheet), "--company", "Arrivals", env=fleet.environ
    )
    assert imported.code == 0, imported.text

    assert [lock for _, lock in waiting_sends(fleet)] == [f"send-{connection.id}"]


async def test_a_worker_meeting_a_send_started_elsewhere_leaves_it_and_tries_again_later(
    fleet_factory: Callable[..., Fleet],
) -> None:
    fleet = fleet_factory(("sage",))
    connection, _ = await connected_company(
        fleet.connectors, package="sage", name="Inline Running", books=SMALL, seed=13
    )
    env = WorkerEnv(store=fleet.store, settings=fleet.settings, connectors=fleet.connectors)
    queue = InMemoryConnector()

    with fleet.store.send_locks().hold(connection.id, "`ledgerlink send`"):
        outcome = await send(env, App(connector=queue), connection.id, connection.company_id, "scheduled", 0)

    assert outcome.startswith("again in"), outcome
    assert "already running, started by `ledgerlink send`" in outcome
    [job] = queue.jobs.values()
    assert job["queueing_lock"] == f"send-{connection.id}"
    business = fleet.sandbox("sage").businesses()[0]
    assert (business["counts"]["contacts"], business["counts"]["sales_invoices"]) == (0, 0)
