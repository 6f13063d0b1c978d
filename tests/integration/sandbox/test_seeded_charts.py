"""A new sandbox business starts with the chart its package really ships, or with the chart a test gives it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerlink.packages.holdings import AccountClass, LedgerAccount
from ledgerlink.services.demo.sandbox_session import sandbox_client
from ledgerlink.store import Store
from tests.support.sandbox_books import PACKAGES, Books, books_for


async def _chart(books: Books) -> dict[str, LedgerAccount]:
    connector = books.connectors.connector(books.current())
    try:
        return {account.code: account for account in await connector.ledger_accounts()}
    finally:
        await connector.aclose()


async def test_a_new_xero_organisation_has_xeros_uk_default_chart(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("xero", sqlite_store, tmp_path)
    await books.connect()

    chart = await _chart(books)

    codes = sorted(code for code in chart if code.isdigit() and int(code) >= 200)
    assert (codes[0], codes[-1]) == ("200", "970")
    assert len(chart) >= 75
    motor, insurance, subcontract = chart["449"], chart["433"], chart["320"]
    assert (motor.name, motor.package_type, motor.account_class) == (
        "Motor Vehicle Expenses",
        "OVERHEADS",
        AccountClass.EXPENSE,
    )
    assert insurance.default_tax_rate_id == "EXEMPTINPUT"
    assert subcontract.account_class is AccountClass.COST_OF_SALES
    assert chart["260"].account_class is AccountClass.INCOME


async def test_a_new_sage_business_has_sages_uk_chart_of_accounts(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("sage", sqlite_store, tmp_path)
    await books.connect()

    chart = await _chart(books)

    assert len(chart) >= 120
    assert {"10", "4000", "6002", "7301", "8204", "9999"} <= set(chart)
    assert (chart["6002"].name, chart["6002"].account_class) == (
        "Sub-contractors",
        AccountClass.COST_OF_SALES,
    )
    assert (chart["7303"].name, chart["7303"].package_type) == ("Vehicle Insurance", "Overheads")
    assert chart["8204"].default_tax_rate_id == "GB_EXEMPT"
    assert chart["4900"].account_class is AccountClass.OTHER_INCOME


OWN_CHART = {
    "sage": [
        {"code": "1200", "name": "Barclays Current", "type": "BANK"},
        {"code": "4000", "name": "Boiler Installs", "type": "SALES"},
        {"code": "5010", "name": "Copper and Fittings", "type": "DIRECT_EXPENSES"},
        {"code": "7350", "name": "Van Costs", "type": "OVERHEADS"},
    ],
    "xero": [
        {"code": "090", "name": "Barclays Current", "type": "BANK"},
        {"code": "200", "name": "Boiler Installs", "type": "REVENUE"},
        {"code": "310", "name": "Copper and Fittings", "type": "DIRECTCOSTS"},
        {"code": "450", "name": "Van Costs", "type": "OVERHEADS"},
    ],
}


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_business_seeded_with_its_own_chart_holds_exactly_that_chart(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect(chart=OWN_CHART[package])

    chart = await _chart(books)
    connector = books.connectors.connector(books.current())
    try:
        banks = await connector.bank_accounts()
    finally:
        await connector.aclose()

    wanted = {row["code"].lstrip("0") if package == "sage" else row["code"] for row in OWN_CHART[package]}
    assert set(chart) == wanted
    classes = sorted(account.account_class.value for account in chart.values())
    assert classes == ["bank", "cost_of_sales", "expense", "income"]
    assert [bank.name for bank in banks] == ["Barclays Current"]


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_chart_with_an_unknown_type_is_refused_with_the_reason(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    async with sandbox_client(books.connectors, package) as client:
        reply = await client.post(
            "/_sandbox/seed", json={"chart": [{"code": "4000", "name": "Sales", "type": "INCOMINGS"}]}
        )

    assert reply.status_code == 400
    assert "INCOMINGS" in reply.json()["error"]
