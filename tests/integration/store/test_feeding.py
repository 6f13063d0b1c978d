"""Feeding records and CSV files: bad ones are named and left out alone, good ones stored, repeats change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest

from ledgerlink.api import Ledgerlink
from ledgerlink.domain.ledger import build_ledger
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
from ledgerlink.services.demo.books import generate
from ledgerlink.services.demo.steps import feed_demo_data, summarise
from ledgerlink.services.feeding.records import IngestReport, ingest, ingest_parts
from ledgerlink.store import Store

DAY = date(2025, 2, 1)


@pytest.fixture
def books(any_store: Store) -> Ledgerlink:
    ledgerlink = Ledgerlink(any_store)
    company = ledgerlink.company("Acme Heating")
    company.set_nominal_accounts(
        [
            NominalAccount(code="4000", name="Sales", kind=NominalKind.SALES),
            NominalAccount(code="5000", name="Materials", kind=NominalKind.EXPENSE),
            NominalAccount(code="1200", name="Bank current account", kind=NominalKind.BANK),
        ]
    )
    company.set_vat_rates(standard_vat_rates())
    company.set_payment_methods([PaymentMethod(code="card", name="Card", bank_nominal_code="1200")])
    return ledgerlink


def invoice(source_id: str, price: str = "100.00", quantity: str = "1") -> Invoice:
    return Invoice(
        source_id=source_id,
        number=source_id,
        date=DAY,
        customer_id="C1",
        lines=(
            DocumentLine(
                description="Boiler service",
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                vat_rate="S",
                nominal_code="4000",
            ),
        ),
    )


def payment(source_id: str, amount: str, *allocations: tuple[str, str]) -> CustomerPayment:
    return CustomerPayment(
        source_id=source_id,
        date=DAY,
        amount=Decimal(amount),
        method="card",
        customer_id="C1",
        allocations=tuple(Allocation(document_id=d, amount=Decimal(a)) for d, a in allocations),
    )


def test_a_bad_record_is_rejected_alone_and_its_neighbours_are_stored(books: Ledgerlink) -> None:
    company = books.company("acme-heating")
    report = company.feed(
        [
            Customer(source_id="C1", last_name="Smith"),
            invoice("I1"),
            invoice("I2", quantity="-1"),
            invoice("I3"),
        ]
    )
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    [rejected] = report.rejected
    assert rejected.source_id == "I2"
    assert str(rejected.findings[0]) == "invoice I2: line 1 quantity: must not be negative"
    assert company.counts()[RecordKind.INVOICE] == 2


def test_feeding_the_same_records_again_changes_nothing_and_a_change_is_a_new_version(
    books: Ledgerlink,
) -> None:
    company = books.company("acme-heating")
    company.feed([Customer(source_id="C1", last_name="Smith"), invoice("I1")])
    first = company.record(RecordKind.INVOICE, "I1")
    assert company.feed([Customer(source_id="C1", last_name="Smith"), invoice("I1")]).unchanged == 2
    changed = company.feed([invoice("I1", price="110.00")])
    assert changed.updated == 1
    second = company.record(RecordKind.INVOICE, "I1")
    assert second.version != first.version
    assert second.gross == Decimal("132.00")


def test_a_payment_may_settle_an_invoice_fed_with_it_but_never_beyond_what_is_outstanding(
    books: Ledgerlink,
) -> None:
    company = books.company("acme-heating")
    report = company.feed([payment("P1", "100.00", ("I1", "100.00")), invoice("I1")])
    assert report.created == 2
    again = company.feed([payment("P2", "30.00", ("I1", "30.00"))])
    [finding] = again.errors
    assert finding.message == "30.00 is more than the 20.00 outstanding on invoice I1"
    assert company.feed([payment("P2", "20.00", ("I1", "20.00"))]).created == 1
    assert company.ledger().outstanding(RecordKind.INVOICE, "I1") == Decimal("0.00")


def test_refeeding_a_payment_does_not_count_its_own_earlier_allocation(books: Ledgerlink) -> None:
    company = books.company("acme-heating")
    company.feed([invoice("I1"), payment("P1", "120.00", ("I1", "120.00"))])
    report = company.feed(
        [payment("P1", "120.00", ("I1", "120.00")).model_copy(update={"reference": "card 1"})]
    )
    assert report.counts["updated"] == 1


def test_warnings_are_stored_with_the_record(books: Ledgerlink, any_store: Store) -> None:
    company = books.company("acme-heating")
    company.feed([Customer(source_id="C1", last_name="Smith", email="smith@")])
    [warning] = company.record(RecordKind.CUSTOMER, "C1").findings
    assert warning.field == "email"
    with any_store.unit_of_work() as uow:
        assert ingest(uow, company.company.id, []).outcomes == ()


def test_a_feed_in_parts_settles_documents_of_earlier_parts_and_a_repeat_changes_nothing(
    books: Ledgerlink, any_store: Store
) -> None:
    company = books.company("acme-heating")
    parts = [
        [Customer(source_id="C1", last_name="Smith"), invoice("I1"), invoice("I2")],
        [payment("P1", "100.00", ("I1", "100.00"))],
        [payment("P2", "30.00", ("I1", "30.00")), payment("P3", "120.00", ("I2", "120.00"))],
    ]

    def feed() -> IngestReport:
        with any_store.unit_of_work() as uow:
            report = ingest_parts(uow, company.company.id, (list(part) for part in parts))
            uow.commit()
        return report

    first = feed()
    assert [(o.source_id, o.result) for o in first.outcomes] == [
        ("C1", "created"),
        ("I1", "created"),
        ("I2", "created"),
        ("P1", "created"),
        ("P2", "rejected"),
        ("P3", "created"),
    ]
    [finding] = first.errors
    assert str(finding) == (
        "customer payment P2: allocation 1 amount: 30.00 is more than the 20.00 outstanding on invoice I1"
    )
    assert feed().counts == {"created": 0, "updated": 0, "unchanged": 5, "rejected": 1}
    assert company.ledger().outstanding(RecordKind.INVOICE, "I1") == Decimal("20.00")


INVOICES_CSV = """source_id,number,date,customer_id,description,quantity,unit_price,vat_rate,nominal_code
I1,INV-1,2025-02-01,C1,Boiler service,1,80.00,S,4000
I1,INV-1,2025-02-01,C1,Valve,2,12.50,S,4000
I2,INV-2,2025-02-03,C1,Call-out,-1,75.00,S,4000
I3,INV-3,03/02/2025,C1,Radiator,1,"1,200.00",S,4000
I4,INV-4,2025-02-04,C1,Flue,one,40.00,S,4000
"""


def test_a_csv_with_bad_rows_names_the_line_and_column_and_imports_the_rest(
    books: Ledgerlink, tmp_path: Path
) -> None:
    company = books.company("acme-heating")
    company.feed([Customer(source_id="C1", last_name="Smith")])
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES_CSV)
    report = company.import_csv("invoices", path)
    assert (report.created, report.rejected) == (2, 2)
    assert [str(problem) for problem in report.errors] == [
        "line 4, quantity (I2): must not be negative",
        "line 6, quantity (I4): 'one' is not an amount of money",
    ]
    stored = company.record(RecordKind.INVOICE, "I1")
    assert len(stored.record.lines) == 2
    assert stored.gross == Decimal("126.00")
    assert company.record(RecordKind.INVOICE, "I3").record.date == date(2025, 2, 3)

    again = company.import_csv("invoices", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert company.counts()[RecordKind.INVOICE] == 2


def test_payments_csv_reads_allocations_from_one_column(books: Ledgerlink) -> None:
    company = books.company("acme-heating")
    company.feed([Customer(source_id="C1", last_name="Smith"), invoice("I1"), invoice("I2")])
    report = company.import_csv(
        "customer-payments",
        StringIO(
            "source_id,date,customer_id,amount,method,reference,allocations\n"
            "P1,2025-02-05,C1,150.00,card,card 1,I1:120.00;I2:30.00\n"
            "P2,2025-02-05,C1,10.00,card,,I2:ten\n"
            "P3,2025-02-05,C1,10.00,paypal,,\n"
        ),
    )
    assert report.created == 1
    assert [(p.line, p.field) for p in report.errors] == [(3, "allocations"), (4, "method")]
    assert company.ledger().outstanding(RecordKind.INVOICE, "I2") == Decimal("90.00")


def test_a_file_missing_a_required_column_says_which_and_imports_nothing(books: Ledgerlink) -> None:
    text = (
        "source_id,number,date,customer_id,description,vat_rate,nominal_code\nI1,1,2025-01-01,C1,x,S,4000\n"
    )
    report = books.company("acme-heating").import_csv("invoices", StringIO(text))
    assert (report.created, report.rejected) == (0, 1)
    assert [str(problem) for problem in report.errors] == [
        "line 1, unit_price: required column missing; see docs/csv.md"
    ]


def test_reference_lists_import_from_csv_and_a_repeat_changes_nothing(books: Ledgerlink) -> None:
    company = books.company("acme-heating")
    text = "code,name,kind\n4010,Sales - installations,sales\n7100,Fuel,expense\n9000,Odd,purple\n"
    report = company.import_csv("nominal-accounts", StringIO(text))
    assert (report.created, report.rejected) == (2, 1)
    assert report.errors[0].line == 4
    assert report.errors[0].field == "kind"
    assert company.import_csv("nominal-accounts", StringIO(text)).unchanged == 2
    assert "7100" in company.reference().nominal_accounts


def test_demo_books_fed_in_parts_are_stored_whole_and_summed_as_their_ledger_says(any_store: Store) -> None:
    today = date(2026, 6, 30)
    first = feed_demo_data(any_store, "Demo Books", seed=3, invoices=600, today=today, part_invoices=150)
    again = feed_demo_data(any_store, "Demo Books", seed=3, invoices=600, today=today, part_invoices=150)
    books = generate(seed=3, invoices=600, today=today)
    assert first.counts == {"created": len(books.records), "updated": 0, "unchanged": 0, "rejected": 0}
    assert again.counts == {"created": 0, "updated": 0, "unchanged": len(books.records), "rejected": 0}
    ledger = build_ledger(books.records, {rate.code: rate.percent for rate in books.vat_rates})
    owed = sum((v for (kind, _), v in ledger.balances.items() if kind == RecordKind.CUSTOMER), Decimal(0))
    refunds = [r for r in books.records if isinstance(r, CustomerPayment) and r.is_refund]
    assert refunds  # the summary's refunds are read from stored content: there must be some
    summary = summarise(any_store, "demo-books")
    assert summary.customers_owe == owed
    assert summary.total_records == len(books.records)
