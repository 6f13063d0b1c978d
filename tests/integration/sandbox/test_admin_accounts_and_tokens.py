"""Each sandbox's admin API changes its chart of accounts as a person would, and says which tokens it issued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import Customer, DocumentLine, Invoice
from ledgerlink.packages.holdings import LedgerAccount
from ledgerlink.services.demo.sandbox_session import sandbox_client
from ledgerlink.services.sending.engine import Sender
from ledgerlink.store import Store
from tests.support.sandbox_books import PACKAGES, Books, books_for, feed

# an unused sales account in each sandbox's seeded chart, and the one the demo's 4000 Sales goes to
SPARE_SALES = {"sage": "4002", "xero": "260"}
SALES_ACCOUNT = {"sage": "4000", "xero": "200"}
CUSTOMER = Customer(source_id="C1", first_name="Jane", last_name="Smith")
SALE = Invoice(
    source_id="J-1",
    number="INV-4001",
    date=date(2025, 2, 3),
    customer_id="C1",
    lines=(
        DocumentLine(description="Service", unit_price=Decimal("70.00"), vat_rate="S", nominal_code="4000"),
    ),
)


async def _chart(books: Books) -> dict[str, LedgerAccount]:
    connector = books.connectors.connector(books.current())
    try:
        return {account.code: account for account in await connector.ledger_accounts()}
    finally:
        await connector.aclose()


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_archived_account_is_listed_inactive_and_comes_back_when_restored(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect()
    code = SPARE_SALES[package]

    answer = await books.change_account(code, "archived")
    archived = await _chart(books)
    await books.change_account(code, "active")
    restored = await _chart(books)

    assert (answer["code"], answer["status"]) == (code, "archived")
    assert archived[code].active is False
    assert restored[code].active is True


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_deleted_account_is_no_longer_listed(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect()
    code = SPARE_SALES[package]

    await books.change_account(code, "deleted")

    assert code not in await _chart(books)


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_unknown_account_or_status_is_refused_with_the_reason(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect()
    async with sandbox_client(books.connectors, package) as client:
        unknown = await client.post("/_sandbox/ledger_accounts/99999", json={"status": "archived"})
        wrong = await client.post(
            f"/_sandbox/ledger_accounts/{SPARE_SALES[package]}", json={"status": "gone"}
        )

    assert unknown.status_code == 404
    assert "99999" in unknown.json()["error"]
    assert wrong.status_code == 400
    assert "archived" in wrong.json()["error"]


@pytest.mark.parametrize("package", PACKAGES)
async def test_the_state_names_the_tokens_issued_through_the_consent_page(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await books.connect()

    state = await books.admin("GET", "/_sandbox/state")

    business = await books.business_id()
    assert [token["business_ids"] for token in state["tokens"]["access"]] == [[business]]
    assert [token["business_ids"] for token in state["tokens"]["refresh"]] == [[business]]
    assert state["oauth"]["codes_exchanged"] == 1


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_account_with_transactions_cannot_be_deleted_only_archived(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    feed(books, [CUSTOMER, SALE])
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    connector = books.connectors.connector(books.current())
    sent = await Sender(books.store, connection=books.current(), connector=connector).run()
    await connector.aclose()
    used = SALES_ACCOUNT[package]

    async with sandbox_client(books.connectors, package) as client:
        refused = await client.post(f"/_sandbox/ledger_accounts/{used}", json={"status": "deleted"})

    assert sent.sent["invoice"] == 1
    assert refused.status_code == 409
    assert "has transactions" in refused.json()["error"]
    assert used in await _chart(books)
