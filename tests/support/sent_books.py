"""A company connected to a sandbox business, mapped from suggestions, ready to feed and send.

The tests of what happens after sending (changes, credit and re-issue, cancellations, reconcile) start
here: records go in through the same checks as any feed, and every send is the engine's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from ledgerlink.domain.outbox import OutboxEntry
from ledgerlink.domain.records import Record, RecordKind
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import reference_lists
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, sandbox_client, seed_business
from ledgerlink.services.feeding.records import IngestReport, ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.sending.engine import Sender, SendReport
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection
from ledgerlink.store.outbox import OutboxRepository

# what each sandbox counts sales invoices and credit notes as in its state
DOCUMENT_COUNTS = {
    "sage": {"invoices": "sales_invoices", "credit notes": "sales_credit_notes"},
    "xero": {"invoices": "invoices", "credit notes": "credit_notes"},
}


@dataclass
class SentBooks:
    store: Store
    connectors: ConnectorFactory
    package: str
    company_id: int
    connection: Connection
    connector: PackageConnector

    def feed(self, *records: Record) -> IngestReport:
        """Records in, through the feed's checks; each must be accepted."""
        with self.store.unit_of_work() as uow:
            report = ingest(uow, self.company_id, list(records))
            uow.commit()
        assert not report.rejected, [outcome.findings for outcome in report.rejected]
        return report

    async def send(self) -> SendReport:
        return await Sender(self.store, connection=self.connection, connector=self.connector).run()

    def entry(self, kind: RecordKind, source_id: str) -> OutboxEntry:
        with self.store.unit_of_work() as uow:
            found = OutboxRepository(uow.session, self.connection.id, self.company_id).find(kind, source_id)
        assert found is not None
        return found

    async def state(self) -> dict[str, Any]:
        """The sandbox business's counts by resource."""
        async with sandbox_client(self.connectors, self.package) as client:
            counts: dict[str, Any] = (await client.get("/_sandbox/state")).json()["businesses"][0]["counts"]
        return counts

    async def documents(self) -> dict[str, int]:
        """Sales invoices and credit notes the package holds, whatever it calls them."""
        counts = await self.state()
        return {word: int(counts[name]) for word, name in DOCUMENT_COUNTS[self.package].items()}

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """One read of the package's own API, as the connection's business."""
        return await self.call("GET", path, params=params)

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, str] | None = None
    ) -> Any:
        """One request to the package's own API, as a person working in the package would make a change."""
        http = getattr(self.connector, "http", None) or self.connector.client.http  # type: ignore[attr-defined]
        return (await http.request(method, path, params=params, json=body)).json()

    def link(self, kind: RecordKind, source_id: str, package_id: str) -> None:
        """Link a jobs-side party to a contact the package holds, as a person does when linking."""
        with self.store.unit_of_work() as uow:
            uow.links(self.connection.id).add(kind, source_id, package_id, how="manual")
            uow.commit()


@asynccontextmanager
async def sent_books(
    package: str,
    tmp_path: Path,
    *,
    contacts: list[dict[str, Any]] | None = None,
    app: ASGIApp | None = None,
) -> AsyncIterator[SentBooks]:
    """A company with the demo's lists, connected to a fresh sandbox business (holding `contacts`), on
    the package's sandbox without its limits, or on `app`."""
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("sent-books"),
        in_process={package: in_process_transport(app or sandbox_app(package, limits=False))},
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    nominals, rates, methods = reference_lists()
    with store.unit_of_work() as uow:
        company = uow.companies.add("Sent Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        uow.commit()
    await seed_business(connectors, package, "Sent Books", contacts=contacts)
    connection = await connect_to_sandbox(connectors, company.id, package, "Sent Books")
    connection = save_settings(connectors, company.id, connection.id, cut_off_date=date(2026, 1, 1))
    connector = connectors.connector(connection)
    mapping = Nominals(store, connection)
    await mapping.read_lists(connector)
    mapping.accept_suggestions(checked=True)
    try:
        yield SentBooks(store, connectors, package, company.id, connection, connector)
    finally:
        await connector.aclose()
        store.close()
