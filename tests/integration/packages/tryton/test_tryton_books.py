"""The books proven on a real accounting engine: the demo company sent to a real `trytond`, then read
back through Tryton's own methods: each party's receivable and payable, a trial balance that balances,
and VAT per rate equal to the job system's lines. The same after the server is killed mid-send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Customer, RecordKind, Supplier
from ledgerlink.packages.tryton.server import TrytonHome, TrytonProcess, serve, start_business
from ledgerlink.services.demo.books import DemoData, generate
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.linking.proposals import finish_step, run_linking
from ledgerlink.services.linking.review import decide, review_items
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.controls import send_now
from ledgerlink.services.sending.engine import Sender
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection
from ledgerlink.store.outbox import OutboxRepository
from tests.support.tryton_books import connect, figures, jobs_vat

pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 1)


@pytest.fixture
async def server(home: TrytonHome, request: pytest.FixtureRequest) -> AsyncIterator[TrytonProcess]:
    running = await start_business(home, "Demo Heating Books", database=request.node.name[:40].lower())
    yield running
    running.stop()


def books(store: Store, invoices: int) -> tuple[int, DemoData]:
    demo = generate(seed=11, invoices=invoices, today=TODAY)
    with store.unit_of_work() as uow:
        company = uow.companies.add("Demo Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        report = ingest(uow, company.id, demo.records)
        uow.commit()
    assert not report.rejected
    return company.id, demo


async def mapped(store: Store, connection: Connection, connector: object) -> None:
    nominals = Nominals(store, connection)
    await nominals.read_lists(connector)  # type: ignore[arg-type]
    nominals.accept_suggestions(checked=True)
    # what a bookkeeper picks where the chart's names leave no suggestion: materials as a cost of sales,
    # subcontractors beside them (the chart keeps no account of their own)
    for jobs_code, account_code in (("5000", "5001"), ("5010", "5000")):
        if not any(
            line.mapped_to
            for line in nominals.lines()
            if line.kind == "nominal" and line.jobs_code == jobs_code
        ):
            nominals.map("nominal", jobs_code, account_code)
    check = nominals.check()
    assert check.clean, [problem.message for problem in check.problems]


def unsent(store: Store, connection: Connection, company_id: int) -> list[tuple[str, str, str]]:
    with store.unit_of_work() as uow:
        entries = OutboxRepository(uow.session, connection.id, company_id).in_states(
            [state for state in EntryState if state is not EntryState.SENT]
        )
    return [(entry.label, entry.state.value, entry.reason or "") for entry in entries]


async def assert_books_agree(
    store: Store, connection: Connection, connector: object, demo: DemoData, server: TrytonProcess
) -> None:
    result = await reconcile(store, connection, connector)  # type: ignore[arg-type]
    assert result.checked > 0
    assert result.clean, result.differences[:5]
    rpc = server.rpc()
    try:
        tryton = await figures(rpc)
    finally:
        await rpc.aclose()
    assert tryton.debits == tryton.credits
    assert tryton.debits > 0
    expected = jobs_vat(demo.records, demo.vat_rates)
    assert {key: tryton.vat.get(key, 0) for key in expected} == expected
    documents = (
        RecordKind.INVOICE,
        RecordKind.CREDIT_NOTE,
        RecordKind.SUPPLIER_INVOICE,
        RecordKind.SUPPLIER_CREDIT_NOTE,
    )
    assert tryton.invoices == sum(1 for record in demo.records if record.kind in documents)
    contacts = (RecordKind.CUSTOMER, RecordKind.SUPPLIER)
    assert tryton.parties == sum(1 for record in demo.records if record.kind in contacts)


async def test_the_demo_company_sent_to_tryton_agrees_with_the_jobs_side_in_tryton_s_own_books(
    sqlite_store: Store, tmp_path: Path, server: TrytonProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id, demo = books(sqlite_store, invoices=25)
    connectors, connection = connect(sqlite_store, tmp_path, company_id, server, monkeypatch)
    connection = save_settings(
        connectors, company_id, connection.id, onboarding_path="new-package", cut_off_date=date(2023, 1, 1)
    )
    connector = connectors.connector(connection)
    try:
        await mapped(sqlite_store, connection, connector)
        sent = await Sender(sqlite_store, connection=connection, connector=connector).run()
        assert sent.stopped == ""
        assert unsent(sqlite_store, connection, company_id) == []
        await assert_books_agree(sqlite_store, connection, connector, demo, server)
    finally:
        await connector.aclose()


async def test_killing_tryton_mid_send_loses_nothing_and_sends_nothing_twice(
    sqlite_store: Store,
    tmp_path: Path,
    server: TrytonProcess,
    home: TrytonHome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    company_id, demo = books(sqlite_store, invoices=25)
    connectors, connection = connect(sqlite_store, tmp_path, company_id, server, monkeypatch)
    connection = save_settings(
        connectors, company_id, connection.id, onboarding_path="new-package", cut_off_date=date(2023, 1, 1)
    )
    connector = connectors.connector(connection)
    running = server
    try:
        await mapped(sqlite_store, connection, connector)
        for delay in (1.5, 4.0, 3.0):
            sending = asyncio.create_task(
                Sender(sqlite_store, connection=connection, connector=connector).run()
            )
            await asyncio.sleep(delay)
            running.kill()
            report = await sending
            assert report.stopped, "the send should stop when Tryton is gone"
            running = await asyncio.to_thread(serve, home, running.database, port=running.port)
        for _ in range(3):
            report = await Sender(sqlite_store, connection=connection, connector=connector).run()
            if not unsent(sqlite_store, connection, company_id):
                break
        assert unsent(sqlite_store, connection, company_id) == []
        await assert_books_agree(sqlite_store, connection, connector, demo, running)
    finally:
        await connector.aclose()
        running.stop()


async def test_side_by_side_links_the_parties_tryton_already_holds_and_its_books_still_agree(
    sqlite_store: Store, tmp_path: Path, server: TrytonProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    company_id, demo = books(sqlite_store, invoices=25)
    held = [record for record in demo.records if isinstance(record, (Customer, Supplier))][::3]
    rpc = server.rpc()
    try:  # the business kept its books in Tryton before: some of its parties are there already
        await rpc.model(
            "party.party",
            "create",
            [
                {
                    "name": record.display_name,
                    "addresses": [
                        ["create", [{"city": record.address.town, "postal_code": record.address.postcode}]]
                    ],
                    "contact_mechanisms": [["create", [{"type": "email", "value": record.email}]]]
                    if record.email
                    else [],
                }
                for record in held
            ],
            write=True,
        )
    finally:
        await rpc.aclose()
    connectors, connection = connect(sqlite_store, tmp_path, company_id, server, monkeypatch)
    connection = save_settings(
        connectors, company_id, connection.id, onboarding_path="side-by-side", cut_off_date=date(2023, 1, 1)
    )
    connector = connectors.connector(connection)
    try:
        await mapped(sqlite_store, connection, connector)
        for kind in ("customer", "supplier"):
            await run_linking(connectors, company_id, kind)
            for item in review_items(sqlite_store, company_id, kind):  # a person compares each pair
                same = item.package is not None and item.package.name == item.jobs.name
                decide(sqlite_store, company_id, kind, item.source_id, "accept" if same else "create_new")
            finish_step(sqlite_store, company_id, kind)
        with sqlite_store.unit_of_work() as uow:
            links = uow.links(connection.id)
            linked = links.count(RecordKind.CUSTOMER) + links.count(RecordKind.SUPPLIER)
        assert linked >= len(held)
        report = await send_now(connectors, company_id)
        assert report.stopped == ""
        assert unsent(sqlite_store, connection, company_id) == []
        await assert_books_agree(sqlite_store, connection, connector, demo, server)
    finally:
        await connector.aclose()
