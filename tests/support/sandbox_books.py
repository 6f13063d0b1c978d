"""A company's books beside a sandbox business in the same process: connect, map, and watch the wire.

The nominal-mapping, onboarding and sending tests all start from here: a company with the demo's
reference lists (or its whole books), a Sage or Xero sandbox app reached through an in-process
transport that remembers every request, and the consent-page sign-in a person would go through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp

from ledgerlink.domain.records import Record
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import DemoData, reference_lists
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, sandbox_client, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import OnboardingPath, save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository

PACKAGES = ("sage", "xero")


def unlimited_app(package: str) -> ASGIApp:
    """The package's sandbox without its rate limits: those are held by the sandboxes' own tests."""
    return sandbox_app(package, limits=False)


@dataclass
class Wire(httpx.AsyncBaseTransport):
    """An in-process transport that keeps the method and path of every request the engine makes."""

    inner: httpx.AsyncBaseTransport
    requests: list[tuple[str, str]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    def writes(self) -> list[tuple[str, str]]:
        """Requests that could change the package's books (the admin API and sign-in left out)."""
        return [
            (method, path)
            for method, path in self.requests
            if method in ("POST", "PUT", "DELETE")
            and not path.startswith(("/_sandbox", "/oauth2", "/identity", "/token", "/connect"))
        ]


async def instant(seconds: float) -> None:
    return None


@dataclass
class Books:
    """One company in the store and the sandbox business it is connected to."""

    connectors: ConnectorFactory
    package: str
    company_id: int
    wire: Wire
    connection: Connection | None = None

    @property
    def store(self) -> Store:
        return self.connectors.store

    def current(self) -> Connection:
        with self.store.unit_of_work() as uow:
            found = ConnectionRepository(uow.session, self.company_id).current()
        assert found is not None, "not connected"
        self.connection = found
        return found

    def nominals(self) -> Nominals:
        return Nominals(self.store, self.current())

    async def connect(
        self,
        business: str = "Demo Heating Books",
        *,
        path: OnboardingPath | None = None,
        cut_off: date | None = None,
        contacts: list[dict[str, Any]] | None = None,
        chart: list[dict[str, Any]] | None = None,
    ) -> Connection:
        """Through the consent page, then the settings; nothing is mapped yet. `chart` replaces the
        package's default chart of accounts (in the package's own type words)."""
        await seed_business(self.connectors, self.package, business, contacts=contacts, chart=chart)
        connection = await connect_to_sandbox(self.connectors, self.company_id, self.package, business)
        if path is not None or cut_off is not None:
            connection = save_settings(
                self.connectors, self.company_id, connection.id, onboarding_path=path, cut_off_date=cut_off
            )
        self.connection = connection
        return connection

    async def read_lists(self) -> list[str]:
        connector = self.connectors.connector(self.current())
        try:
            return (await self.nominals().read_lists(connector)).changes
        finally:
            await connector.aclose()

    async def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The sandbox's admin API, answered as JSON; an error reply fails the test with its text."""
        async with sandbox_client(self.connectors, self.package) as client:
            reply = await client.request(method, path, json=body)
        assert reply.status_code < 400, reply.text
        return reply.json() if reply.content else None

    async def business_id(self) -> str:
        return str(self.current().business_id)

    async def change_account(self, code: str, status: str) -> dict[str, Any]:
        """Archive, delete or restore a package account by its code, as a person would in the package."""
        answer: dict[str, Any] = await self.admin(
            "POST",
            f"/_sandbox/ledger_accounts/{code}",
            {"status": status, "business_id": await self.business_id()},
        )
        return answer


def books_for(
    package: str, store: Store, tmp_path: Path, company: str = "Demo Heating", *, app: ASGIApp | None = None
) -> Books:
    """A company with the demo's chart, VAT rates and payment methods, and a sandbox beside it (`app`,
    or the package's own without its limits)."""
    wire = Wire(in_process_transport(app if app is not None else unlimited_app(package)))
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("sandbox-books"),
        in_process={package: wire},
        sleep=instant,
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    nominals, rates, methods = reference_lists()
    with store.unit_of_work() as uow:
        found = uow.companies.add(company)
        reference = uow.reference(found.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        uow.commit()
    return Books(connectors, package, found.id, wire)


def feed(books: Books, records: list[Record] | DemoData) -> None:
    """Records into the jobs side; each one must be accepted."""
    items = records.records if isinstance(records, DemoData) else records
    with books.store.unit_of_work() as uow:
        report = ingest(uow, books.company_id, items)
        uow.commit()
    assert not report.rejected, [outcome.findings for outcome in report.rejected[:3]]
