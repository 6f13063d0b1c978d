"""A send makes no more calls than the package's batches require, keeps under its limit, and keeps going.

The send benchmarks (benchmarks/send_pace.py) measure this on full books; these hold it on a few
hundred records, in process, in seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
from starlette.types import ASGIApp

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import (
    Allocation,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    Record,
)
from ledgerlink.packages.connection import Pacer
from ledgerlink.packages.pacing import LocalPacer, UnlimitedPacer
from ledgerlink.packages.registry import PackageEntry
from ledgerlink.packages.sage.connector import SageConnector
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import reference_lists
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.sending.engine import Sender, SendReport
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection


class CountingTransport(httpx.AsyncBaseTransport):
    """What the sandbox was asked, as the package would see it: writes by endpoint, and the 429s.

    `network` seconds pass before each reply, as they would over a network, so that other requests'
    work goes on meanwhile (in process, a reply would otherwise come back without ever yielding).
    """

    def __init__(self, app: ASGIApp, *, network: float = 0.0) -> None:
        self.inner = in_process_transport(app)
        self.network = network
        self.writes: Counter[str] = Counter()
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.network:
            await asyncio.sleep(self.network)
        response = await self.inner.handle_async_request(request)
        if request.method in ("PUT", "POST") and "/_sandbox" not in request.url.path:
            self.writes[f"{request.method} {request.url.path.rsplit('/', 1)[-1]}"] += 1
        if response.status_code == 429:
            self.refused += 1
        return response

    def reset(self) -> None:
        self.writes.clear()
        self.refused = 0

    async def aclose(self) -> None:
        await self.inner.aclose()


def books(customers: int, invoices: int, paid: int) -> list[Record]:
    parties: list[Record] = [
        Customer(source_id=f"C{n:03d}", first_name="Pat", last_name=f"Tester {n}") for n in range(customers)
    ]
    sales: list[Record] = [
        Invoice(
            source_id=f"I{n:04d}",
            number=f"INV-{n:04d}",
            date=date(2025, 3, 1),
            customer_id=f"C{n % customers:03d}",
            lines=(
                DocumentLine(
                    description="Boiler service",
                    unit_price=Decimal("80.00"),
                    vat_rate="S",
                    nominal_code="4020",
                ),
            ),
        )
        for n in range(invoices)
    ]
    payments: list[Record] = [
        CustomerPayment(
            source_id=f"P{n:04d}",
            customer_id=f"C{n % customers:03d}",
            date=date(2025, 3, 20),
            amount=Decimal("96.00"),
            method="bacs",
            allocations=(Allocation(document_id=f"I{n:04d}", amount=Decimal("96.00")),),
        )
        for n in range(paid)
    ]
    return parties + sales + payments


async def connected(
    store: Store,
    tmp_path: Path,
    package: str,
    transport: CountingTransport,
    records: list[Record],
    pacer: Pacer | None = None,
) -> tuple[ConnectorFactory, Connection]:
    with store.unit_of_work() as uow:
        company = uow.companies.add("Pace Heating")
        nominals, rates, methods = reference_lists()
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        assert not ingest(uow, company.id, records).rejected
        uow.commit()

    def pacer_for(connection: Connection, entry: PackageEntry) -> Pacer:
        return pacer or UnlimitedPacer()

    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("pace"),
        in_process={package: transport},
        pacer_factory=pacer_for,
    )
    await seed_business(connectors, package, "Pace Books")
    connection = await connect_to_sandbox(connectors, company.id, package, "Pace Books")
    connection = save_settings(connectors, company.id, connection.id, cut_off_date=date(2024, 1, 1))
    connector = connectors.connector(connection)
    try:
        nominals_step = Nominals(store, connection)
        await nominals_step.read_lists(connector)
        nominals_step.accept_suggestions(checked=True)
    finally:
        await connector.aclose()
    return connectors, connection


async def send(connectors: ConnectorFactory, connection: Connection) -> tuple[SendReport, float]:
    connector = connectors.connector(connection)
    try:
        started = time.monotonic()
        report = await Sender(connectors.store, connection=connection, connector=connector).run()
        return report, time.monotonic() - started
    finally:
        await connector.aclose()


async def test_a_xero_send_makes_only_the_calls_fifty_to_a_batch_requires(
    store: Store, tmp_path: Path
) -> None:
    transport = CountingTransport(sandbox_app("xero", limits=False))
    connectors, connection = await connected(store, tmp_path, "xero", transport, books(30, 120, 70))
    transport.reset()

    report, _ = await send(connectors, connection)

    assert report.counts[EntryState.SENT] == 220
    assert transport.writes == {"PUT Contacts": 1, "PUT Invoices": 3, "PUT Payments": 2}


async def test_a_paced_send_keeps_under_the_limit_and_close_to_its_pace(store: Store, tmp_path: Path) -> None:
    """Sage at 30 calls a minute, a minute lasting a second: 90 records take about three minutes.

    Within twice that, on a busy machine too; far more would mean the pacer waits when it need not.
    """
    per_minute, time_scale = 30, 60.0
    transport = CountingTransport(sandbox_app("sage", minute_limit=per_minute, time_scale=time_scale))
    pacer = LocalPacer(replace(SageConnector.limits, requests_per_minute=per_minute), time_scale=time_scale)
    connectors, connection = await connected(store, tmp_path, "sage", transport, books(30, 60, 0), pacer)
    time.sleep(60 / time_scale)  # the set-up's reads leave the sandbox's minute
    transport.reset()

    report, seconds = await send(connectors, connection)

    floor = 90 / per_minute * 60 / time_scale
    assert (report.counts[EntryState.SENT], sum(transport.writes.values()), transport.refused) == (90, 90, 0)
    assert seconds < 2 * floor


async def test_a_sage_send_on_sqlite_goes_on_while_its_token_is_renewed(store: Store, tmp_path: Path) -> None:
    """Sage's access tokens last minutes; a send outlasting one renews it between batches and goes on."""
    transport = CountingTransport(
        sandbox_app("sage", limits=False, access_lifetime=30.0),
        network=0.005,
    )
    connectors, connection = await connected(store, tmp_path, "sage", transport, books(20, 40, 20))
    transport.reset()

    report, _ = await send(connectors, connection)

    assert (report.stopped, report.counts[EntryState.SENT]) == ("", 80)
    assert transport.writes["POST token"] > 0
