"""Tryton's sandbox: a real `trytond` per business behind the kit's door, reached as any package is.

A business is seeded through the admin API, the person picks it on the consent page, the code is
exchanged for the login, and the new-package path (map from suggestions, send, reconcile) runs through
the sandbox's door to Tryton itself; Tryton's own trial balance balances, its VAT per rate is the job
system's, each party's receivable or payable is the job system's own ledger's, and the sandbox's
counts, read from Tryton, hold each record once.
The door itself: Tryton's database list, calls passed through unchanged, the admin API changing
Tryton's own chart, and a 503 for a business whose server is gone.
Needs `LEDGERLINK_TRYTON_PYTHON` (a python with trytond; `./dev test` makes one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import PackageUnavailable
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.tryton.client import TrytonRpc
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import generate
from ledgerlink.services.demo.fleet import duplicates_and_missing
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.sending.engine import Sender
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.outbox import OutboxRepository
from tests.support.tryton_books import figures, jobs_owed, jobs_vat, tryton_home

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tryton_home(tmp_path_factory.mktemp("tryton")).root


@pytest.fixture
async def app(home: Path) -> AsyncIterator[Starlette]:
    built = sandbox_app("tryton", limits=False, home=str(home))
    yield built
    built.state.sandbox.forget_records()


async def businesses(app: Starlette) -> dict[str, dict[str, Any]]:
    """The sandbox's businesses by name, as its admin API says (their counts read from Tryton)."""
    async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sandbox") as client:
        reply = await client.get("/_sandbox/state")
    reply.raise_for_status()
    return {str(b["name"]): b for b in reply.json()["businesses"]}


async def test_a_company_connected_through_the_consent_page_is_sent_whole_to_tryton(
    app: Starlette, sqlite_store: Store, tmp_path: Path
) -> None:
    demo = generate(seed=11, invoices=20, today=date(2026, 11, 1))
    with sqlite_store.unit_of_work() as uow:
        company = uow.companies.add("Demo Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        assert not ingest(uow, company.id, demo.records).rejected
        uow.commit()
    connectors = ConnectorFactory(
        store=sqlite_store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("tryton-sandbox"),
        in_process={"tryton": in_process_transport(app)},
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    await seed_business(connectors, "tryton", "Someone Else's Books")  # the consent page offers both
    await seed_business(connectors, "tryton", "Demo Heating Books")
    connection = await connect_to_sandbox(connectors, company.id, "tryton", "Demo Heating Books")
    assert connection.business_name == "Demo Heating Books"
    connection = save_settings(
        connectors, company.id, connection.id, onboarding_path="new-package", cut_off_date=date(2023, 1, 1)
    )
    connector = connectors.connector(connection)
    try:
        nominals = Nominals(sqlite_store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions(checked=True)  # suggestions alone, as the demo maps
        check = nominals.check()
        assert check.clean, [problem.message for problem in check.problems]

        sent = await Sender(sqlite_store, connection=connection, connector=connector).run()
        assert sent.stopped == ""
        with sqlite_store.unit_of_work() as uow:
            outbox = OutboxRepository(uow.session, connection.id, company.id)
            unsent = outbox.in_states([s for s in EntryState if s is not EntryState.SENT])
        assert [entry.label for entry in unsent] == []
        result = await reconcile(sqlite_store, connection, connector)
        assert result.checked > 0
        assert result.clean, result.differences[:5]
    finally:
        await connector.aclose()

    async def login() -> str:
        return str(app.state.sandbox.credentials())

    rpc = TrytonRpc("http://sandbox", connection.business_id, login, transport=in_process_transport(app))
    try:
        tryton = await figures(rpc)  # Tryton's own trial balance and tax lines
    finally:
        await rpc.aclose()
    assert tryton.debits == tryton.credits > 0
    expected = jobs_vat(demo.records, demo.vat_rates)
    assert {key: tryton.vat.get(key, 0) for key in expected} == expected
    owed = jobs_owed(demo.records, demo.vat_rates)  # the job system's own ledger, per party
    assert {code: tryton.owed.get(code, 0) for code in owed} == owed
    assert any(owed.values())

    held = await businesses(app)
    counts = held["Demo Heating Books"]["counts"]
    records: dict[RecordKind, int] = {}
    for record in demo.records:
        records[record.kind] = records.get(record.kind, 0) + 1
    assert duplicates_and_missing("tryton", records, counts) == (0, 0)
    assert held["Someone Else's Books"]["counts"]["sales_documents"] == 0


async def test_the_door_lists_the_businesses_passes_calls_to_tryton_and_answers_for_a_server_that_is_gone(
    app: Starlette,
) -> None:
    transport = in_process_transport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", timeout=600) as client:
        seeded = await client.post("/_sandbox/seed", json={"name": "Hollis Heating Ltd"})
        business = seeded.json()["id"]
        refused = await client.post("/_sandbox/seed", json={"name": "X", "chart": []})
        listed = await client.post("/rpc/", json={"method": "common.db.list", "params": [], "id": 1})
        unknown = await client.post("/nobody/rpc/", json={"method": "common.db.login", "params": [], "id": 1})
        closed = await client.post("/_sandbox/ledger_accounts/7700", json={"status": "archived"})
    sandbox = app.state.sandbox

    async def login() -> str:
        return str(sandbox.credentials())

    rpc = TrytonRpc("http://sandbox", business, login, transport=transport)
    try:
        [account] = await rpc.search_read("account.account", [("code", "=", "7700")], ["closed"])
        [company] = await rpc.search_read("company.company", [], ["rec_name"])
        sandbox.server(business).kill()  # as a crash would
        with pytest.raises(PackageUnavailable):
            await rpc.search_read("party.party", [], ["id"])
    finally:
        await rpc.aclose()

    assert seeded.status_code == 201
    assert refused.status_code == 400
    assert "name only" in refused.json()["error"]
    assert listed.json()["result"] == [business]
    assert unknown.status_code == 404
    assert closed.json()["status"] == "archived"
    assert account["closed"]  # Tryton on SQLite answers a boolean as 1
    assert company["rec_name"] == "Hollis Heating Ltd"
