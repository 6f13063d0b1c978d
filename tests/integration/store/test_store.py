"""The store on SQLite and PostgreSQL: versioned upserts, queries limited to one company, reference lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from ledgerlink.domain.records import (
    Allocation,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    NominalAccount,
    NominalKind,
    PaymentMethod,
    RecordKind,
    standard_vat_rates,
)
from ledgerlink.domain.validation import Finding
from ledgerlink.errors import RecordNotFound
from ledgerlink.store import RecordWrite, Store
from ledgerlink.store.connections import ConnectionRepository
from ledgerlink.store.migrate import current_revision, head_revision
from ledgerlink.store.outbox import OutboxRepository
from ledgerlink.store.tables import Base


def invoice(source_id: str, *, price: str = "100.00", day: int = 1, customer: str = "C1") -> Invoice:
    return Invoice(
        source_id=source_id,
        number=source_id.upper(),
        date=date(2025, 1, day),
        customer_id=customer,
        lines=(
            DocumentLine(description="Service", unit_price=Decimal(price), vat_rate="S", nominal_code="4000"),
        ),
    )


def test_opening_a_store_brings_it_to_the_newest_schema(any_store: Store) -> None:
    assert current_revision(any_store.engine) == head_revision()
    tables = set(inspect(any_store.engine).get_table_names())
    assert {"companies", "records", "record_parents", "record_findings", "nominal_accounts"} <= tables


def test_reopening_an_upgraded_store_keeps_its_data(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/again.db"
    store = Store.open(url)
    with store.unit_of_work() as uow:
        uow.companies.add("Acme Heating")
        uow.commit()
    store.close()
    again = Store.open(url)
    with again.unit_of_work() as uow:
        assert [c.slug for c in uow.companies.list()] == ["acme-heating"]
    again.close()


def test_upsert_tells_created_unchanged_and_updated_apart(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        records = uow.records(company.id)
        assert records.upsert([RecordWrite(invoice("i1")), RecordWrite(invoice("i2"))]) == [
            "created",
            "created",
        ]
        assert records.upsert([RecordWrite(invoice("i1")), RecordWrite(invoice("i2", price="90.00"))]) == [
            "unchanged",
            "updated",
        ]
        uow.commit()
    with any_store.unit_of_work() as uow:
        stored = uow.records(company.id).get(RecordKind.INVOICE, "i2")
        assert stored.record == invoice("i2", price="90.00")
        assert stored.version == invoice("i2", price="90.00").version


def test_a_rolled_back_unit_of_work_leaves_nothing(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        uow.companies.add("Acme Heating")
    with any_store.unit_of_work() as uow:
        assert uow.companies.find("acme-heating") is None


def test_one_company_never_sees_another_companys_records(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        acme = uow.companies.add("Acme Heating")
        other = uow.companies.add("Other Plumbing")
        uow.records(acme.id).upsert([RecordWrite(invoice("i1"))])
        uow.records(other.id).upsert([RecordWrite(invoice("i1", price="5.00"))])
        uow.commit()
    with any_store.unit_of_work() as uow:
        assert uow.records(other.id).get(RecordKind.INVOICE, "i1").record.lines[0].unit_price == Decimal(
            "5.00"
        )
        assert uow.records(acme.id).counts()[RecordKind.INVOICE] == 1
        with pytest.raises(RecordNotFound, match="no invoice 'i2'"):
            uow.records(acme.id).get(RecordKind.INVOICE, "i2")


def test_list_pages_filters_and_counts_the_whole_selection(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        records = uow.records(company.id)
        records.upsert(
            RecordWrite(invoice(f"i{n}", day=n, customer="C1" if n % 2 else "C2"), Decimal("120.00"))
            for n in range(1, 11)
        )
        page = records.list(RecordKind.INVOICE, limit=3, offset=3)
        assert page.total == 10
        assert [s.source_id for s in page.items] == ["i7", "i6", "i5"]
        assert records.list(RecordKind.INVOICE, party_source_id="C2").total == 5
        assert records.list(date_from=date(2025, 1, 9)).total == 2
        assert records.list(search="I10").total == 1
        assert records.summary()[2].gross == Decimal("1200.00")


def test_records_stream_in_chunks_without_repeats(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        records = uow.records(
            company.id,
        )
        records.upsert(RecordWrite(invoice(f"i{n}")) for n in range(25))
        chunks = list(records.iter_chunks(RecordKind.INVOICE, chunk_size=10))
        assert [len(chunk) for chunk in chunks] == [10, 10, 5]
        assert len({s.source_id for chunk in chunks for s in chunk}) == 25


def test_parents_are_kept_for_dependency_queries_and_warnings_for_show(any_store: Store) -> None:
    payment = CustomerPayment(
        source_id="p1",
        date=date(2025, 1, 2),
        amount=Decimal("120.00"),
        method="card",
        customer_id="C1",
        allocations=(Allocation(document_id="i1", amount=Decimal("120.00")),),
    )
    warning = Finding(RecordKind.CUSTOMER, "C1", "email", "'x@' is not an email address", "warning")
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        records = uow.records(company.id)
        records.upsert(
            [
                RecordWrite(Customer(source_id="C1", last_name="Smith", email="x@"), None, [warning]),
                RecordWrite(invoice("i1")),
                RecordWrite(payment, Decimal("120.00")),
            ]
        )
        children = records.children([(RecordKind.INVOICE, "i1")])
        assert [c.source_id for c in children] == ["p1"]
        assert {c.source_id for c in records.children([(RecordKind.CUSTOMER, "C1")])} == {"i1", "p1"}
        assert records.get(RecordKind.CUSTOMER, "C1").findings == (warning,)
        assert records.findings_count() == {"error": 0, "warning": 1}


def test_a_partys_children_are_looked_up_among_its_own_companys_records_only(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        companies = [uow.companies.add(f"Trades {n} Ltd") for n in range(3)]
        for company in companies:  # every company's job system numbers its customers from C1
            uow.records(company.id).upsert(
                [RecordWrite(Customer(source_id="C1", last_name="Smith")), RecordWrite(invoice("i1"))]
            )
        uow.commit()
    with any_store.unit_of_work() as uow:
        rows = uow.session.execute(
            text("SELECT DISTINCT company_id FROM record_parents WHERE parent_source_id = 'C1'")
        ).all()
        assert sorted(row[0] for row in rows) == sorted(company.id for company in companies)
        records = uow.records(companies[1].id)
        children = records.children([(RecordKind.CUSTOMER, "C1")])
        assert [c.id for c in children] == [records.get(RecordKind.INVOICE, "i1").id]


def test_a_partys_ledger_items_are_its_own_documents_and_payments_at_their_stored_gross(
    any_store: Store,
) -> None:
    payment = CustomerPayment(
        source_id="p1",
        date=date(2025, 1, 9),
        amount=Decimal("150.00"),
        method="card",
        customer_id="C1",
        allocations=(Allocation(document_id="i1", amount=Decimal("120.00")),),
    )
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Trades Ltd")
        other = uow.companies.add("Other Trades Ltd")
        records = uow.records(company.id)
        records.upsert(
            [
                RecordWrite(Customer(source_id="C1", last_name="Smith")),
                RecordWrite(Customer(source_id="C2", last_name="Jones")),
                RecordWrite(invoice("i1"), gross=Decimal("120.00")),
                RecordWrite(invoice("i2", customer="C2"), gross=Decimal("120.00")),
                RecordWrite(payment, gross=Decimal("150.00")),
            ]
        )
        uow.records(other.id).upsert([RecordWrite(invoice("i9"), gross=Decimal("60.00"))])
        uow.commit()
    with any_store.unit_of_work() as uow:
        items = uow.records(company.id).ledger_items([(RecordKind.CUSTOMER, "C1")])
    assert sorted((item.kind, item.source_id) for item in items) == [
        (RecordKind.CUSTOMER_PAYMENT, "p1"),
        (RecordKind.INVOICE, "i1"),
    ]
    by_id = {item.source_id: item for item in items}
    assert by_id["i1"].gross == Decimal("120.00")
    assert by_id["p1"].amount == Decimal("150.00")
    assert by_id["p1"].allocations == (("i1", Decimal("120.00")),)


def test_the_migrations_build_the_schema_the_tables_describe(any_store: Store) -> None:
    with any_store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_a_chunked_upsert_of_thousands_reports_every_record(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        records = uow.records(company.id)
        writes = [RecordWrite(invoice(f"i{n}")) for n in range(4500)]
        assert records.upsert(writes).count("created") == 4500
        again = records.upsert([*writes[:10], RecordWrite(invoice("new"))])
        assert again == ["unchanged"] * 10 + ["created"]
        assert records.counts()[RecordKind.INVOICE] == 4501


def test_reference_lists_are_added_updated_and_left_alone_by_code(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        reference = uow.reference(company.id)
        sales = NominalAccount(code="4000", name="Sales", kind=NominalKind.SALES)
        assert reference.put_nominal_accounts([sales]) == ["created"]
        assert reference.put_nominal_accounts([sales.model_copy(update={"name": "Sales - work"})]) == [
            "updated"
        ]
        assert reference.put_vat_rates(standard_vat_rates()) == ["created"] * 5
        assert reference.put_vat_rates(standard_vat_rates()) == ["unchanged"] * 5
        reference.put_payment_methods([PaymentMethod(code="card", name="Card", bank_nominal_code="1200")])
        uow.commit()
    with any_store.unit_of_work() as uow:
        data = uow.reference(company.id).reference_data()
        assert data.nominal_accounts["4000"].name == "Sales - work"
        assert data.vat_rates["S"].percent == Decimal(20)
        assert list(data.payment_methods) == ["card"]


def test_deleting_a_company_removes_everything_it_owns(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        uow.records(company.id).upsert([RecordWrite(invoice("i1"))])
        uow.reference(company.id).put_vat_rates(standard_vat_rates())
        uow.commit()
    with any_store.unit_of_work() as uow:
        uow.companies.delete(company.id)
        uow.commit()
    with any_store.unit_of_work() as uow:
        again = uow.companies.add("Acme Heating")
        assert sum(uow.records(again.id).counts().values()) == 0


def test_the_outbox_says_which_names_a_person_typed_are_its_entries(any_store: Store) -> None:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        uow.records(company.id).upsert(
            [RecordWrite(Customer(source_id=f"C{n}", last_name="Smith")) for n in (1, 2)]
        )
        connection = ConnectionRepository(uow.session, company.id).connect(
            package="fake",
            business_id="b1",
            business_name="Acme Books",
            sandbox=True,
            sealed_tokens="",
            access_expires_at=datetime.now(UTC),
            refresh_expires_at=None,
        )
        outbox = OutboxRepository(uow.session, connection.id, company.id)
        outbox.sync(None)
        entry = outbox.find(RecordKind.CUSTOMER, "C2")
        assert entry is not None

        named = outbox.named(["C1", str(entry.id), "C9", "999999", "c1"])

    assert named == {"C1", str(entry.id)}
