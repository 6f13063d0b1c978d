"""Importing from the package is staged, explained and reversible, against the Sage and Xero sandboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from benchmarks.import_messy import in_process_runtime

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Address, Customer, CustomerPayment, RecordKind, Supplier
from ledgerlink.errors import RecordNotFound
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.importing.batches import (
    commit_import,
    list_batches,
    preview_import,
    undo_import,
)
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.steps import onboarding_state
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.store import RecordWrite, Store
from ledgerlink.store.connections import LinkRepository
from ledgerlink.store.outbox import OutboxRepository

SAGE_CONTACTS: list[dict[str, Any]] = [
    {
        "name": "Mr J. Smith",
        "type": "customer",
        "reference": "SMITH01",
        "address": {"address_line_1": "4 Elm Road", "city": "Leeds", "postal_code": "ls62ab"},
        "email": "j.smith@example.com",
        "telephone": "07911 123456",
    },
    {
        "name": "Acme Plumbing Ltd",
        "type": "customer",
        "reference": "ACME01",
        "address": {"address_line_1": "Unit 4, Mill Yard", "city": "Leeds", "postal_code": "LS11 5AA"},
        "email": "accounts@acme.example.com",
        "tax_number": "GB980780684",
    },
    {
        "name": "Plumb Center",
        "type": "supplier",
        "reference": "PLUMB01",
        "address": {"address_line_1": "1 Trade Park", "city": "Leeds", "postal_code": "LS9 8AB"},
        "telephone": "0113 496 0000",
    },
    {"name": "---", "type": "customer", "reference": "NONAME"},
]


@pytest.fixture
async def sage(tmp_path: Path) -> AsyncIterator[tuple[ConnectorFactory, int, int]]:
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    connectors = in_process_runtime(store, "sage", tmp_path)
    with store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        uow.commit()
    await seed_business(connectors, "sage", "Acme Books", contacts=SAGE_CONTACTS)
    connection = await connect_to_sandbox(connectors, company.id, "sage", "Acme Books")
    yield connectors, company.id, connection.id
    store.close()


def customers(store: Store, company_id: int) -> dict[str, Customer]:
    with store.unit_of_work() as uow:
        page = uow.records(company_id).list(RecordKind.CUSTOMER, limit=1000)
    return {item.source_id: item.record for item in page.items if isinstance(item.record, Customer)}


async def test_a_dry_run_writes_nothing_and_says_what_each_contact_would_become(
    sage: tuple[ConnectorFactory, int, int],
) -> None:
    connectors, company_id, _ = sage
    preview = await preview_import(connectors, company_id, "customer")
    by_name = {record.name: record for record in preview.records}
    assert set(by_name) == {"Mr J. Smith", "Acme Plumbing Ltd", "---"}
    assert by_name["Mr J. Smith"].becomes == "residential customer Mr J Smith"
    assert by_name["Acme Plumbing Ltd"].becomes == "commercial customer Acme Plumbing Ltd"
    assert (by_name["---"].outcome, by_name["---"].reason) == ("skip", "no usable name")
    assert (preview.summary.create, preview.summary.skipped) == (2, 1)
    assert customers(connectors.store, company_id) == {}
    csv_lines = preview.to_csv().splitlines()
    assert csv_lines[0] == "package_id,name,becomes,outcome,jobs_side_id,errors,warnings,duplicate_of"
    assert len(csv_lines) == 4


async def test_a_commit_creates_tidy_linked_records_and_completes_the_import_step(
    sage: tuple[ConnectorFactory, int, int],
) -> None:
    connectors, company_id, connection_id = sage
    batch = await commit_import(connectors, company_id, "customer")
    assert (batch.created, batch.records) == (2, 2)
    held = customers(connectors.store, company_id)
    smith = next(record for record in held.values() if record.last_name == "Smith")
    assert smith.source_id.startswith("sage-")
    assert (smith.title, smith.first_name, smith.mobile) == ("Mr", "J", "+447911123456")
    assert smith.address == Address(line1="4 Elm Road", town="Leeds", postcode="LS6 2AB", country="GB")
    acme = next(record for record in held.values() if record.customer_type == "commercial")
    assert (acme.company_name, acme.vat_number, acme.account_reference) == (
        "Acme Plumbing Ltd",
        "GB980780684",
        "ACME01",
    )
    with connectors.store.unit_of_work() as uow:
        links = LinkRepository(uow.session, connection_id).all(RecordKind.CUSTOMER)
    assert {link.source_id for link in links} == set(held)
    assert {link.how for link in links} == {"imported"}
    save_settings(connectors, company_id, connection_id, cut_off_date=date(2026, 1, 1))
    state = onboarding_state(connectors.store, company_id, path="package-first")
    assert state.steps[1].name == "import"
    assert state.steps[1].complete


async def test_a_contact_left_out_of_the_preview_is_not_imported_and_is_offered_again_later(
    sage: tuple[ConnectorFactory, int, int],
) -> None:
    connectors, company_id, _ = sage
    preview = await preview_import(connectors, company_id, "customer")
    acme = next(record for record in preview.records if record.name == "Acme Plumbing Ltd")
    batch = await commit_import(
        connectors, company_id, "customer", preview=preview, leave_out=[acme.package_id]
    )
    assert (batch.created, batch.summary["left_out"]) == (1, 1)
    assert [record.last_name for record in customers(connectors.store, company_id).values()] == ["Smith"]
    again = await preview_import(connectors, company_id, "customer")
    assert {record.name: record.outcome for record in again.records if record.outcome != "skip"} == {
        "Mr J. Smith": "already_linked",
        "Acme Plumbing Ltd": "create",
    }


async def test_suppliers_import_only_the_package_suppliers(sage: tuple[ConnectorFactory, int, int]) -> None:
    connectors, company_id, _ = sage
    batch = await commit_import(connectors, company_id, "supplier")
    assert batch.created == 1
    with connectors.store.unit_of_work() as uow:
        page = uow.records(company_id).list(RecordKind.SUPPLIER)
    supplier = page.items[0].record
    assert isinstance(supplier, Supplier)
    assert (supplier.display_name, supplier.phone) == ("Plumb Center", "+441134960000")


async def test_a_customer_already_on_the_jobs_side_is_offered_for_linking_not_created_again(
    sage: tuple[ConnectorFactory, int, int],
) -> None:
    connectors, company_id, _ = sage
    with connectors.store.unit_of_work() as uow:
        uow.records(company_id).upsert(
            [
                RecordWrite(
                    Customer(
                        source_id="JOB-77",
                        customer_type="commercial",
                        company_name="Acme Plumbing Limited",
                        address=Address(line1="Unit 4", town="Leeds", postcode="LS11 5AA"),
                        email="accounts@acme.example.com",
                    )
                )
            ]
        )
        uow.commit()
    preview = await preview_import(connectors, company_id, "customer")
    acme = next(record for record in preview.records if record.name == "Acme Plumbing Ltd")
    assert (acme.outcome, acme.linked_to) == ("offer_link", "JOB-77")
    assert "same email" in acme.reason
    batch = await commit_import(connectors, company_id, "customer", preview=preview)
    assert batch.created == 1
    assert batch.summary["offered_for_linking"] == 1
    assert len(customers(connectors.store, company_id)) == 2


async def test_undo_removes_the_batch_and_a_second_undo_is_refused(
    sage: tuple[ConnectorFactory, int, int],
) -> None:
    connectors, company_id, connection_id = sage
    batch = await commit_import(connectors, company_id, "customer")
    report = undo_import(connectors.store, company_id, batch.id)
    assert (len(report.removed), report.kept) == (2, ())
    assert customers(connectors.store, company_id) == {}
    with connectors.store.unit_of_work() as uow:
        assert LinkRepository(uow.session, connection_id).count(RecordKind.CUSTOMER) == 0
    [listed] = list_batches(connectors.store, company_id)
    assert listed.undone_at is not None
    assert listed.records == 0
    assert not onboarding_state(connectors.store, company_id, path="package-first").steps[0].complete
    with pytest.raises(RecordNotFound, match="undone already"):
        undo_import(connectors.store, company_id, batch.id)
    again = await commit_import(connectors, company_id, "customer")
    assert again.created == 2


async def test_another_companys_batch_cannot_be_undone(sage: tuple[ConnectorFactory, int, int]) -> None:
    connectors, company_id, _ = sage
    batch = await commit_import(connectors, company_id, "customer")
    with connectors.store.unit_of_work() as uow:
        other = uow.companies.add("Someone Else")
        uow.commit()
    with pytest.raises(RecordNotFound, match=f"no import batch {batch.id}"):
        undo_import(connectors.store, other.id, batch.id)


async def test_importing_without_a_connection_says_to_connect_first(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    connectors = in_process_runtime(store, "xero", tmp_path)
    with store.unit_of_work() as uow:
        company = uow.companies.add("Unconnected")
        uow.commit()
    with pytest.raises(RecordNotFound, match="ledgerlink connect"):
        await preview_import(connectors, company.id, "customer")
    store.close()


async def test_undo_keeps_customers_paid_or_sent_since_and_says_why(
    sage: tuple[ConnectorFactory, int, int],
) -> None:
    connectors, company_id, connection_id = sage
    batch = await commit_import(connectors, company_id, "customer")
    held = customers(connectors.store, company_id)
    smith = next(source for source, record in held.items() if record.last_name == "Smith")
    acme = next(source for source in held if source != smith)
    payment = CustomerPayment(
        source_id="PAY-1", customer_id=smith, date=date(2026, 2, 1), amount=Decimal("50.00"), method="BACS"
    )
    with connectors.store.unit_of_work() as uow:
        uow.records(company_id).upsert([RecordWrite(payment)])
        OutboxRepository(uow.session, connection_id, company_id).sync(None)  # every record now waits
        uow.commit()

    first = undo_import(connectors.store, company_id, batch.id)
    assert first.removed == (acme,)
    assert [(kept.source_id, kept.reason) for kept in first.kept] == [
        (smith, "1 customer payment raised for it")
    ]

    again = await commit_import(connectors, company_id, "customer")
    assert again.created == 1
    with connectors.store.unit_of_work() as uow:
        outbox = OutboxRepository(uow.session, connection_id, company_id)
        outbox.sync(None)
        entry = outbox.find(RecordKind.CUSTOMER, acme)
        assert entry is not None
        outbox.set_state([entry.id], EntryState.SENT)
        uow.commit()
    second = undo_import(connectors.store, company_id, again.id)
    assert second.removed == ()
    assert [(kept.source_id, kept.reason) for kept in second.kept] == [(acme, "sent to the package")]
    assert set(customers(connectors.store, company_id)) == {smith, acme}


async def test_commit_and_undo_hold_on_both_databases(any_store: Store, tmp_path: Path) -> None:
    connectors = in_process_runtime(any_store, "xero", tmp_path)
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Both Databases")
        uow.commit()
    contacts: list[dict[str, Any]] = [
        {"Name": "Smith & Jones Builders", "EmailAddress": "office@sj.example.com"},
        {
            "Name": "Mrs A. Patel",
            "Addresses": [{"AddressType": "POBOX", "AddressLine1": "9 Mill Lane, York YO1 7HH"}],
        },
    ]
    await seed_business(connectors, "xero", "Both Books", contacts=contacts)
    await connect_to_sandbox(connectors, company.id, "xero", "Both Books")
    preview = await preview_import(connectors, company.id, "customer")  # Xero says neither: it asks
    chosen = [record.package_id for record in preview.of("ask")]
    batch = await commit_import(connectors, company.id, "customer", preview=preview, take=chosen)
    assert batch.created == 2
    assert (await commit_import(connectors, company.id, "customer")).created == 0
    patel = next(r for r in customers(any_store, company.id).values() if r.last_name == "Patel")
    assert (patel.title, patel.first_name, patel.address.town, patel.address.postcode) == (
        "Mrs",
        "A",
        "York",
        "YO1 7HH",
    )
    report = undo_import(any_store, company.id, batch.id)
    assert len(report.removed) == 2
    assert customers(any_store, company.id) == {}


async def test_two_contacts_merged_become_one_record_the_other_filling_its_blanks(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    connectors = in_process_runtime(store, "sage", tmp_path)
    with store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        uow.commit()
    twice = [
        {**SAGE_CONTACTS[0], "telephone": ""},
        {
            "name": "SMITH, JOHN",
            "type": "customer",
            "reference": "SMITH02",
            "address": {"address_line_1": "4 Elm Road", "city": "Leeds", "postal_code": "LS6 2AB"},
            "email": "j.smith@example.com",
            "telephone": "0113 496 0001",
        },
    ]
    await seed_business(connectors, "sage", "Acme Books", contacts=twice)
    await connect_to_sandbox(connectors, company.id, "sage", "Acme Books")
    preview = await preview_import(connectors, company.id, "customer")
    first, second = preview.records

    batch = await commit_import(
        connectors, company.id, "customer", preview=preview, merge={second.package_id: first.package_id}
    )
    held = customers(store, company.id)
    store.close()

    assert [d.package_id for d in second.duplicates] == [first.package_id]
    assert (batch.created, batch.summary["merged"]) == (1, 1)
    assert list(held) == [first.source_id]
    assert held[first.source_id].phone == "+441134960001"
    assert held[first.source_id].account_reference == "SMITH01"
