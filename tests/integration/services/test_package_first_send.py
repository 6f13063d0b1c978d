"""On the package-first path the import comes before the cut-off date, so the imported customers are
linked before the outbox has entries for them; the first send must still create none of them again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from benchmarks.import_messy import in_process_runtime

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Customer, Invoice, Record, RecordKind
from ledgerlink.services.demo.books import generate
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, sandbox_client, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.importing.batches import ImportBatch, commit_import, preview_import
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.controls import dry_run, send_now
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, LinkRepository

CONTACTS: dict[str, list[dict[str, Any]]] = {
    "sage": [
        {"name": "Mr J. Smith", "type": "customer", "reference": "SMITH01", "email": "j.smith@example.com"},
        {"name": "Acme Lettings Ltd", "type": "customer", "reference": "ACME01"},
    ],
    "xero": [
        {"Name": "Mr J. Smith", "AccountNumber": "SMITH01", "EmailAddress": "j.smith@example.com"},
        {"Name": "Acme Lettings Ltd", "AccountNumber": "ACME01"},
    ],
    "quickbooks": [
        {"DisplayName": "Mr J. Smith", "PrimaryEmailAddr": {"Address": "j.smith@example.com"}},
        {"DisplayName": "Acme Lettings Ltd", "CompanyName": "Acme Lettings Ltd"},
    ],
}


async def contacts_in(connectors: Any, package: str) -> int:
    async with sandbox_client(connectors, package) as client:
        state = (await client.get("/_sandbox/state")).json()
    return int(state["businesses"][0]["counts"]["contacts"])


async def package_first(
    connectors: Any, package: str, *, already_held: Sequence[Record] = ()
) -> tuple[int, Connection]:
    """A company on the package-first path, connected to a business holding CONTACTS, and holding
    `already_held` on the jobs side before the import."""
    demo = generate(seed=3, invoices=1, today=date(2026, 11, 1))
    with connectors.store.unit_of_work() as uow:
        company = uow.companies.add("Package First Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        assert not ingest(uow, company.id, list(already_held)).rejected
        uow.commit()
    await seed_business(connectors, package, "Package First Books", contacts=CONTACTS[package])
    connection = await connect_to_sandbox(connectors, company.id, package, "Package First Books")
    save_settings(connectors, company.id, connection.id, onboarding_path="package-first")
    return company.id, connection


async def import_customers(connectors: Any, company_id: int) -> ImportBatch:
    """The customer import, with every contact it asks about taken as a customer, as a person would
    whose package (Xero, before any invoice) does not say which of them are customers."""
    preview = await preview_import(connectors, company_id, "customer")
    asked = [record.package_id for record in preview.of("ask")]
    return await commit_import(connectors, company_id, "customer", preview=preview, take=asked)


async def cut_off_and_map(connectors: Any, company_id: int, connection: Connection) -> None:
    """After the import: the cut-off date, then every account mapped from suggestions."""
    connection = save_settings(connectors, company_id, connection.id, cut_off_date=date(2026, 1, 1))
    nominals = Nominals(connectors.store, connection)
    connector = connectors.connector(connection)
    await nominals.read_lists(connector)
    await connector.aclose()
    nominals.accept_suggestions(checked=True)
    nominals.give_every_consent()  # the person allows what the package needs made (QuickBooks' items)


@pytest.mark.parametrize("package", ["quickbooks", "sage", "xero"])
async def test_customers_imported_before_the_cut_off_date_are_not_created_again_on_send(
    package: str, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    connectors = in_process_runtime(store, package, tmp_path)
    company_id, connection = await package_first(connectors, package)
    assert (await import_customers(connectors, company_id)).created == 2
    with store.unit_of_work() as uow:
        imported = [
            link.source_id for link in LinkRepository(uow.session, connection.id).all(RecordKind.CUSTOMER)
        ]
        invoice = Invoice.model_validate(
            {
                "source_id": "J-1",
                "number": "INV-1",
                "date": "2026-10-05",
                "customer_id": imported[0],
                "lines": [
                    {
                        "description": "Boiler service",
                        "unit_price": "80",
                        "vat_rate": "S",
                        "nominal_code": "4020",
                    }
                ],
            }
        )
        assert not ingest(uow, company_id, [invoice]).rejected
        uow.commit()
    await cut_off_and_map(connectors, company_id, connection)

    plan = dry_run(store, company_id)
    report = await send_now(connectors, company_id)

    assert (plan.already_linked, plan.contacts_to_create) == (2, 0)
    assert not report.failed
    assert report.sent == {"invoice": 1}
    assert report.counts[EntryState.SENT] == 3
    assert await contacts_in(connectors, package) == 2
    store.close()


@pytest.mark.parametrize("package", ["quickbooks", "sage", "xero"])
async def test_a_customer_the_jobs_side_already_had_is_linked_by_the_import_and_not_created_again(
    package: str, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    connectors = in_process_runtime(store, package, tmp_path)
    typed_by_hand = Customer.model_validate(
        {
            "source_id": "C-7",
            "customer_type": "residential",
            "title": "Mr",
            "first_name": "J.",
            "last_name": "Smith",
            "email": "j.smith@example.com",
            "account_reference": "SMITH01",
        }
    )
    company_id, connection = await package_first(connectors, package, already_held=[typed_by_hand])

    batch = await import_customers(connectors, company_id)
    with store.unit_of_work() as uow:
        smith = LinkRepository(uow.session, connection.id).find(RecordKind.CUSTOMER, "C-7")
    await cut_off_and_map(connectors, company_id, connection)
    plan = dry_run(store, company_id)
    report = await send_now(connectors, company_id)

    assert (batch.created, batch.summary["linked"]) == (1, 1)
    assert smith is not None
    assert smith.how == "matched"
    assert (plan.already_linked, plan.contacts_to_create) == (2, 0)
    assert not report.failed
    assert await contacts_in(connectors, package) == 2
    store.close()
