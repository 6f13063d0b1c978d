"""A company with reference lists, a connection to the in-memory package, and its lists read and mapped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import (
    CreditNote,
    Invoice,
    NominalAccount,
    NominalKind,
    PaymentMethod,
    Record,
    SupplierCreditNote,
    SupplierInvoice,
    standard_vat_rates,
)
from ledgerlink.packages.connection import ConnectionContext, PackageSettings
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository
from ledgerlink.store.records import RecordWrite
from tests.support.fake_package import FakeConnector, FakePackageState, standard_lists


class NoTokens:
    async def access_token(self) -> str:
        return "unused"

    async def refresh(self, stale_access_token: str) -> str:
        return "unused"


@dataclass
class World:
    store: Store
    company_id: int
    connection: Connection
    package: FakePackageState

    def connector(self) -> FakeConnector:
        context = ConnectionContext(
            business_id="b1",
            tokens=NoTokens(),
            settings=PackageSettings(api_url="memory://", auth_url="", token_url=""),
            pacer=UnlimitedPacer(),
        )
        return FakeConnector(context, self.package)

    def feed(self, *records: Record) -> None:
        """Store records as they are, unchecked, with the figures feeding would have worked out."""
        with self.store.unit_of_work() as uow:
            percent = uow.reference(self.company_id).reference_data().percent_by_rate
            writes = []
            for record in records:
                if isinstance(record, Invoice | CreditNote | SupplierInvoice | SupplierCreditNote):
                    figures = record.figures(percent)
                    writes.append(RecordWrite(record, figures.totals.gross, line_vat=figures.line_vat))
                else:
                    writes.append(RecordWrite(record))
            uow.records(self.company_id).upsert(writes)
            uow.commit()

    def refreshed(self) -> Connection:
        with self.store.unit_of_work() as uow:
            self.connection = ConnectionRepository(uow.session, self.company_id).get(self.connection.id)
        return self.connection


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    yield opened
    opened.close()


@pytest.fixture
async def world(store: Store) -> World:
    with store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(
            [
                NominalAccount(code="4000", name="Sales", kind=NominalKind.SALES),
                NominalAccount(code="4010", name="Installations", kind=NominalKind.SALES),
                NominalAccount(code="5000", name="Materials", kind=NominalKind.EXPENSE),
                NominalAccount(code="1200", name="Bank current account", kind=NominalKind.BANK),
            ]
        )
        reference.put_vat_rates(standard_vat_rates())
        reference.put_payment_methods([PaymentMethod(code="card", name="Card", bank_nominal_code="1200")])
        connection = ConnectionRepository(uow.session, company.id).connect(
            package="fake",
            business_id="b1",
            business_name="Acme Books",
            sandbox=True,
            sealed_tokens="",
            access_expires_at=datetime.now(UTC) + timedelta(hours=1),
            refresh_expires_at=None,
        )
        ConnectionRepository(uow.session, company.id).update_settings(
            connection.id, cut_off_date=date(2025, 1, 1)
        )
        uow.commit()
    package = FakePackageState()
    standard_lists(package)
    world = World(store, company.id, connection, package)
    nominals = Nominals(store, world.refreshed())
    await nominals.read_lists(world.connector())
    nominals.accept_suggestions(checked=True)
    return world


def money(text: str) -> Decimal:
    return Decimal(text)
