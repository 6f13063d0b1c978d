"""Documents stored before their VAT was kept with them get it when the store is upgraded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from ledgerlink.domain.records import Customer, DocumentLine, Invoice, RecordKind, standard_vat_rates
from ledgerlink.store import Store
from ledgerlink.store.migrate import alembic_config

INVOICE = Invoice(
    source_id="INV-1",
    number="INV-1",
    customer_id="C1",
    date=date(2025, 3, 1),
    lines=(
        DocumentLine(
            description="Boiler service",
            quantity=Decimal(3),
            unit_price=Decimal("33.33"),
            vat_rate="S",
            nominal_code="4000",
        ),
        DocumentLine(description="Parts", unit_price=Decimal("10.00"), vat_rate="R", nominal_code="4000"),
        DocumentLine(description="Permit", unit_price=Decimal("25.00"), vat_rate="E", nominal_code="4000"),
    ),
)
CUSTOMER = Customer(source_id="C1", last_name="Smith")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'before.db'}"
    url: str = request.getfixturevalue("postgres_database_url")
    return url


def _store_as_before_line_vat(url: str) -> None:
    """A store at the revision before, holding a company, its VAT rates, an invoice and a customer."""
    engine = create_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.execute(
            text("INSERT INTO companies (id, slug, name, created_at) VALUES (1, 'acme', 'Acme', :now)"),
            {"now": "2025-01-01 00:00:00"},
        )
        for rate in standard_vat_rates():
            connection.execute(
                text(
                    "INSERT INTO vat_rates (company_id, code, name, percent, treatment)"
                    " VALUES (1, :code, :name, :percent, :treatment)"
                ),
                {
                    "code": rate.code,
                    "name": rate.name,
                    "percent": str(rate.percent),
                    "treatment": rate.treatment.value,
                },
            )
        for record, gross in ((CUSTOMER, None), (INVOICE, "155.49")):
            connection.execute(
                text(
                    "INSERT INTO records (company_id, kind, source_id, version, content, number, gross,"
                    " created_at, updated_at) VALUES (1, :kind, :source_id, :version, :content, '', :gross,"
                    " :now, :now)"
                ),
                {
                    "kind": record.kind.value,
                    "source_id": record.source_id,
                    "version": record.version,
                    "content": record.model_dump_json(exclude_none=True),
                    "gross": gross,
                    "now": "2025-01-01 00:00:00",
                },
            )
    engine.dispose()


def test_documents_stored_before_get_the_vat_their_lines_and_rates_give(database_url: str) -> None:
    _store_as_before_line_vat(database_url)
    store = Store.open(database_url)
    try:
        with store.unit_of_work() as uow:
            records = uow.records(1)
            invoice = records.get(RecordKind.INVOICE, "INV-1")
            customer = records.get(RecordKind.CUSTOMER, "C1")
            percent = uow.reference(1).reference_data().percent_by_rate
    finally:
        store.close()
    assert invoice.line_vat == (Decimal("20.00"), Decimal("0.50"), Decimal("0.00"))
    assert invoice.line_vat == INVOICE.figures(percent).line_vat
    assert INVOICE.figures(percent).totals.gross == invoice.gross
    assert customer.line_vat is None
