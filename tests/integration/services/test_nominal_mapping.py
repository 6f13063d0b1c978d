"""The nominal-accounts step on each sandbox: suggestions a bookkeeper would accept, and what happens when
the package's chart changes under a mapping."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import Customer, DocumentLine, Invoice
from ledgerlink.services.demo.books import SIZES, generate
from ledgerlink.services.onboarding.nominals import MappingLine
from ledgerlink.services.sending.controls import failures, resend
from ledgerlink.services.sending.engine import Sender, SendReport
from ledgerlink.store import Store
from tests.support.sandbox_books import PACKAGES, Books, books_for, feed

# What a bookkeeper would pick in each sandbox's chart for some of the demo's accounts: the same
# account where the names say so, a cost of sales account for materials, never an unrelated overhead.
BOOKKEEPERS_PICKS = {
    "sage": {
        ("nominal", "4000"): "4000 Sales Type A",
        ("nominal", "4900"): "4900 Other income",
        ("nominal", "5000"): "5001 Cost of sales - materials",
        ("nominal", "7100"): "7300 Fuel and Oil",
        ("nominal", "7200"): "7301 Repairs and Servicing",  # filed under motor expenses in Sage's chart
        ("nominal", "7600"): "8204 Insurance",
        ("nominal", "7500"): "7502 Telephone",
        ("nominal", "1200"): "1200 Current Account",
        ("vat_sales", "S"): "Standard 20.00%",
        ("vat_purchase", "E"): "Exempt 0.00%",
        ("payment_method", "bacs"): "1200 Current Account",
    },
    "xero": {
        ("nominal", "4000"): "200 Sales",
        ("nominal", "5000"): "310 Cost of Goods Sold",
        ("nominal", "7500"): "489 Telephone & Internet",
        ("nominal", "7600"): "433 Insurance",
        ("nominal", "4900"): "260 Other Revenue",
        ("nominal", "7100"): "449 Motor Vehicle Expenses",
        ("nominal", "7200"): "449 Motor Vehicle Expenses",
        ("nominal", "1200"): "090 Business Bank Account",
        ("vat_sales", "S"): "20% (VAT on Income)",
        ("vat_purchase", "S"): "20% (VAT on Expenses)",
        ("vat_sales", "N"): "No VAT",
        ("payment_method", "card"): "090 Business Bank Account",
    },
}
MACHINE_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-|^[A-Z0-9_]+$")


def _by_key(lines: list[MappingLine]) -> dict[tuple[str, str], MappingLine]:
    return {(line.kind, line.jobs_code): line for line in lines}


# What "Accept all" leaves for a person on each package's default chart: the demo's lines whose
# suggestion is only worth a look (no account there says the same thing).
LEFT_TO_CHECK = {
    "sage": {("nominal", "1210"), ("nominal", "7300"), ("payment_method", "card")},
    "xero": {
        ("nominal", "1210"),
        ("nominal", "1230"),
        ("nominal", "7300"),
        ("payment_method", "card"),
        ("payment_method", "cash"),
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("package", PACKAGES)
async def test_accept_all_takes_only_sure_suggestions_and_the_check_names_what_is_left(
    package: str, any_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, any_store, tmp_path)
    feed(books, generate(seed=7, invoices=SIZES["small"], today=date(2026, 11, 1)))
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()

    taken = books.nominals().accept_suggestions()
    left = {(line.kind, line.jobs_code) for line in books.nominals().lines() if not line.mapped_to}
    held = {problem.jobs_code for problem in books.nominals().check().problems}
    confirmed = books.nominals().accept_suggestions(checked=True)
    report = books.nominals().check()

    lines = books.nominals().lines()
    assert left == LEFT_TO_CHECK[package]
    assert taken + confirmed == len(lines)
    assert held == {code for kind, code in left if not (kind == "nominal" and code.startswith("12"))}
    assert report.clean, [problem.message for problem in report.problems]


@pytest.mark.parametrize("package", PACKAGES)
async def test_every_chosen_account_is_named_as_the_package_shows_it_to_a_person(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    connector = books.connectors.connector(books.current())
    accounts = {a.id: f"{a.code} {a.name}".strip() for a in await connector.ledger_accounts()}
    banks = {b.id: f"{b.code} {b.name}".strip() for b in await connector.bank_accounts()}
    taxes = {t.id: t.name for t in await connector.tax_rates()}
    await connector.aclose()

    lines = books.nominals().lines()

    named = {**accounts, **banks, **taxes}
    assert {(line.kind, line.jobs_code): line.mapped_label for line in lines} == {
        (line.kind, line.jobs_code): named[line.mapped_to] for line in lines
    }
    assert [line.mapped_label for line in lines if MACHINE_ID.search(line.mapped_label)] == []
    chosen = _by_key(lines)
    assert {key: chosen[key].mapped_label for key in BOOKKEEPERS_PICKS[package]} == BOOKKEEPERS_PICKS[package]


# --- the package's chart changes after mapping ------------------------------------------------------

SMALL_BOOKS = [
    Customer(source_id="C1", first_name="Jane", last_name="Smith", email="jane@example.com"),
    Customer(source_id="C2", company_name="Acme Lettings Ltd", customer_type="commercial"),
    Invoice(
        source_id="J-1",
        number="INV-1001",
        date=date(2025, 3, 3),
        customer_id="C1",
        lines=(
            DocumentLine(
                description="Boiler service", unit_price=Decimal("80.00"), vat_rate="S", nominal_code="4000"
            ),
        ),
    ),
    Invoice(
        source_id="J-2",
        number="INV-1002",
        date=date(2025, 3, 4),
        customer_id="C2",
        lines=(
            DocumentLine(
                description="Radiator", unit_price=Decimal("120.00"), vat_rate="S", nominal_code="4000"
            ),
            DocumentLine(
                description="Call-out", unit_price=Decimal("45.00"), vat_rate="S", nominal_code="4900"
            ),
        ),
    ),
    Invoice(
        source_id="J-3",
        number="INV-1003",
        date=date(2025, 3, 5),
        customer_id="C2",
        lines=(
            DocumentLine(
                description="Rent of a van", unit_price=Decimal("60.00"), vat_rate="E", nominal_code="4900"
            ),
        ),
    ),
]
# the package account the demo's 4000 Sales is mapped to in each sandbox, and where other income goes
SALES_ACCOUNT = {"sage": "4000 Sales Type A", "xero": "200 Sales"}
OTHER_INCOME = {"sage": "4900", "xero": "260"}
WORDS = {"archived": "inactive", "deleted": "no longer in"}


@pytest.mark.parametrize("status", ["archived", "deleted"])
@pytest.mark.parametrize("package", PACKAGES)
async def test_an_account_retired_in_the_package_after_mapping_is_named_where_it_holds_records_back(
    package: str, status: str, any_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, any_store, tmp_path)
    feed(books, SMALL_BOOKS)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions()
    books.nominals().map("nominal", "4900", OTHER_INCOME[package])
    assert books.nominals().check().clean
    account = SALES_ACCOUNT[package]

    await books.change_account(account.split()[0], status)
    changes = await books.read_lists()
    check = books.nominals().check()
    report = await _send(books)
    failed = {failure.number: failure.reason for failure in failures(books.store, books.company_id)}

    assert changes == [
        f"account {'made inactive' if status == 'archived' else 'gone from the package'}: {account}"
    ]
    assert [(problem.jobs_code, problem.records_held) for problem in check.problems] == [("4000", 2)]
    assert account in check.problems[0].message
    assert WORDS[status] in check.problems[0].message
    assert set(failed) == {"INV-1001", "INV-1002"}
    assert all(f"nominal account 4000 is mapped to {account}" in reason for reason in failed.values())
    assert all(WORDS[status] in reason for reason in failed.values())
    assert report.sent == Counter({"customer": 2, "invoice": 1})


@pytest.mark.parametrize("package", PACKAGES)
async def test_remapping_what_the_check_names_and_sending_again_sends_what_was_held_back(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    feed(books, SMALL_BOOKS)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    books.nominals().map("nominal", "4900", OTHER_INCOME[package])
    await books.change_account(SALES_ACCOUNT[package].split()[0], "archived")
    await books.read_lists()
    await _send(books)

    remapped = books.nominals().accept_suggestions(checked=True)
    check = books.nominals().check()
    resent = resend(books.store, books.company_id)
    report = await _send(books)

    # 4000 and the three other sales accounts the suggestions had sent to the same package account
    assert remapped == 4
    assert _by_key(books.nominals().lines())[("nominal", "4000")].mapped_label != SALES_ACCOUNT[package]
    assert check.clean, [problem.message for problem in check.problems]
    assert resent == 2
    assert report.sent == Counter({"invoice": 2})
    assert failures(books.store, books.company_id) == []


async def _send(books: Books) -> SendReport:
    connector = books.connectors.connector(books.current())
    try:
        return await Sender(books.store, connection=books.current(), connector=connector).run()
    finally:
        await connector.aclose()
