"""`nominals create`: the jobs-side account made in the package with the right type and default tax rate,
mapped to it, and the package's own reason when it refuses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledgerlink.packages.holdings import AccountClass, LedgerAccount
from ledgerlink.services.onboarding.nominals import MappingRefused
from ledgerlink.store import Store
from tests.support.sandbox_books import PACKAGES, Books, books_for

# the package's words for a code already taken, and its standard purchase rate
TAKEN = {"sage": "has already been taken", "xero": "Please enter a unique Code."}
STANDARD_PURCHASES = {"sage": "GB_STANDARD", "xero": "INPUT2"}
STANDARD_SALES = {"sage": "GB_STANDARD", "xero": "OUTPUT2"}


async def _create(books: Books, code: str) -> object:
    connector = books.connectors.connector(books.current())
    try:
        return await books.nominals().create_account(connector, code)
    finally:
        await connector.aclose()


async def _chart(books: Books) -> dict[str, LedgerAccount]:
    connector = books.connectors.connector(books.current())
    try:
        return {account.code: account for account in await connector.ledger_accounts()}
    finally:
        await connector.aclose()


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_account_created_in_the_package_is_there_with_its_type_and_tax_and_mapped(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions()

    await _create(books, "4030")  # Sales - repairs: a code neither default chart has

    created = (await _chart(books))["4030"]
    line = next(li for li in books.nominals().lines() if li.kind == "nominal" and li.jobs_code == "4030")
    assert (created.name, created.account_class) == ("Sales - repairs", AccountClass.INCOME)
    assert created.default_tax_rate_id == STANDARD_SALES[package]
    assert (line.mapped_to, line.mapped_label) == (created.id, "4030 Sales - repairs")


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_overhead_is_created_as_one(package: str, sqlite_store: Store, tmp_path: Path) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()
    if package == "sage":  # Sage's default chart has its own 7300 (Fuel and Oil): a person removes it first
        await books.change_account("7300", "deleted")

    await _create(books, "7300")  # Tools and equipment

    created = (await _chart(books))["7300"]
    assert (created.name, created.account_class) == ("Tools and equipment", AccountClass.EXPENSE)
    assert created.default_tax_rate_id == STANDARD_PURCHASES[package]


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_direct_cost_is_created_as_one(package: str, sqlite_store: Store, tmp_path: Path) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()

    await _create(books, "5010")  # Subcontractors

    created = (await _chart(books))["5010"]
    assert (created.name, created.account_class) == ("Subcontractors", AccountClass.COST_OF_SALES)
    assert created.default_tax_rate_id == STANDARD_PURCHASES[package]


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_code_the_package_already_has_is_refused_with_the_packages_reason(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect(cut_off=date(2024, 1, 1))
    await books.read_lists()
    await _create(books, "5010")
    before = await _chart(books)

    with pytest.raises(MappingRefused) as refused:
        await _create(books, "5010")

    assert TAKEN[package] in str(refused.value)
    assert "5010 Subcontractors" in str(refused.value)
    assert await _chart(books) == before
