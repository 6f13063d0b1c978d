"""The nominal-accounts step on each sandbox: suggestions a bookkeeper would accept, and what happens when
the package's chart changes under a mapping."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from ledgerlink.services.demo_data import generate
from ledgerlink.services.nominals import MappingLine
from ledgerlink.store import Store
from tests.support.sandbox_books import PACKAGES, books_for, feed

# What a bookkeeper would pick in each sandbox's chart for some of the demo's accounts: the same
# account where the names say so, a cost of sales account for materials, never an unrelated overhead.
BOOKKEEPERS_PICKS = {
    "sage": {
        ("nominal", "4000"): "4000 Sales Type A",
        ("nominal", "4900"): "4900 Other income",
        ("nominal", "5000"): "5001 Cost of sales - materials",
        ("nominal", "7100"): "7300 Motor Fuel",
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


@pytest.mark.parametrize("package", PACKAGES)
async def test_the_demo_company_is_mapped_from_suggestions_alone_and_the_check_is_clean(
    package: str, any_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, any_store, tmp_path)
    feed(books, generate(seed=7, invoices=400, today=date(2026, 11, 1)))
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()

    taken = books.nominals().accept_suggestions()
    report = books.nominals().check()

    lines = books.nominals().lines()
    assert taken == len(lines)
    assert report.clean, [problem.message for problem in report.problems]
    assert all(line.suggestion and line.mapped_to == line.suggestion.package_id for line in lines)


@pytest.mark.parametrize("package", PACKAGES)
async def test_every_chosen_account_is_named_as_the_package_shows_it_to_a_person(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions()
    connector = books.runtime.connector(books.current())
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
