"""The new-package path end to end on each sandbox: connect, map from suggestions, send, reconcile."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import generate
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
from ledgerlink.store.connections import LinkRepository
from ledgerlink.store.outbox import OutboxRepository

# The packages' limits are held by their own tests; here they would only make the journey slow.
UNLIMITED_APPS = {
    "sage": lambda: sandbox_app("sage", limits=False),
    "xero": lambda: sandbox_app("xero", limits=False),
}


async def instant(seconds: float) -> None:
    return None


@pytest.mark.slow
@pytest.mark.parametrize("package", ["sage", "xero"])
async def test_the_demo_company_is_sent_whole_and_reconciles_to_the_penny(
    package: str, store: Store, tmp_path: Path
) -> None:
    demo = generate(seed=11, invoices=150, today=date(2026, 11, 1))
    with store.unit_of_work() as uow:
        company = uow.companies.add("Demo Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        report = ingest(uow, company.id, demo.records)
        uow.commit()
    assert not report.rejected

    app = UNLIMITED_APPS[package]()
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("journey"),
        in_process={package: in_process_transport(app)},
        sleep=instant,
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    await seed_business(connectors, package, "Demo Heating Books")
    connection = await connect_to_sandbox(connectors, company.id, package, "Demo Heating Books")
    connection = save_settings(
        connectors, company.id, connection.id, cut_off_date=date(2024, 1, 1) - timedelta(days=365)
    )

    nominals = Nominals(store, connection)
    connector = connectors.connector(connection)
    await nominals.read_lists(connector)
    nominals.accept_suggestions(checked=True)
    check = nominals.check()
    assert check.clean, [problem.message for problem in check.problems]

    sender = Sender(store, connection=connection, connector=connector)
    sent = await sender.run()
    assert sent.stopped == ""
    failures = {
        state: count for state, count in sent.counts.items() if count and state is not EntryState.SENT
    }
    with store.unit_of_work() as uow:
        unsent = OutboxRepository(uow.session, connection.id, company.id).in_states(
            [state for state in EntryState if state is not EntryState.SENT]
        )
    assert failures == {}, [(entry.label, entry.state, entry.reason or entry.blocked_by) for entry in unsent]
    with store.unit_of_work() as uow:
        links = LinkRepository(uow.session, connection.id)
        assert links.count(RecordKind.INVOICE) == sum(1 for r in demo.records if r.kind is RecordKind.INVOICE)

    result = await reconcile(store, connection, connector)
    assert result.clean, result.differences[:5]
    assert result.checked > 0
    await connector.aclose()
