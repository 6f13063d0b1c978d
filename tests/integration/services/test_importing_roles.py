"""Package-first from Xero: a contact is imported as a customer or a supplier by what Xero says of it,
read from its invoices and bills where Xero has not flagged it, and asked about when nothing says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.packages.drafts import DocumentDraft, DocumentType, LineDraft
from ledgerlink.packages.holdings import AccountClass
from ledgerlink.services.importing.batches import commit_import, preview_import
from tests.support.sent_books import SentBooks, sent_books

CONTACTS = [{"Name": "Ada Lovelace"}, {"Name": "City Plumbing Supplies"}, {"Name": "Harbour Pipes"}]


@pytest.fixture
async def books(tmp_path: Path) -> AsyncIterator[SentBooks]:
    async with sent_books("xero", tmp_path, contacts=CONTACTS) as made:
        yield made


async def contact_ids(books: SentBooks) -> dict[str, str]:
    return {c.name: c.id async for c in books.connector.contacts()}


async def document(books: SentBooks, contact_id: str, kind: DocumentType, number: str) -> None:
    """A document typed into the package by hand, before the job system was connected."""
    sales = kind is DocumentType.SALES_INVOICE
    wanted = AccountClass.INCOME if sales else AccountClass.EXPENSE
    account = next(
        a for a in await books.connector.ledger_accounts() if a.account_class is wanted and a.active
    )
    rate = next(
        r
        for r in await books.connector.tax_rates()
        if ("sales" if sales else "purchase") in r.usages and r.percent == 20
    )
    line = LineDraft(
        "Work",
        Decimal(1),
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("2.00"),
        account.id,
        account.code,
        rate.id,
    )
    draft = DocumentDraft(
        f"k-{number}",
        number,
        kind,
        contact_id,
        number,
        books.connection.cut_off_date,
        (line,),
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )  # type: ignore[arg-type]
    await books.connector.create([draft])


async def test_xero_contacts_go_to_the_import_their_documents_say_and_one_with_none_is_asked_about(
    books: SentBooks,
) -> None:
    ids = await contact_ids(books)
    await document(books, ids["Ada Lovelace"], DocumentType.SALES_INVOICE, "INV-1")
    await document(books, ids["City Plumbing Supplies"], DocumentType.PURCHASE_INVOICE, "BILL-1")

    customers = await preview_import(books.connectors, books.company_id, "customer")
    suppliers = await preview_import(books.connectors, books.company_id, "supplier")
    imported = await commit_import(books.connectors, books.company_id, "customer", preview=customers)

    assert [(r.name, r.outcome) for r in customers.records] == [
        ("Ada Lovelace", "create"),
        ("Harbour Pipes", "ask"),
    ]
    assert [(r.name, r.outcome) for r in suppliers.records] == [
        ("City Plumbing Supplies", "create"),
        ("Harbour Pipes", "ask"),
    ]
    assert imported.created == 1


async def test_a_contact_asked_about_is_imported_where_the_person_says(books: SentBooks) -> None:
    ids = await contact_ids(books)
    suppliers = await preview_import(books.connectors, books.company_id, "supplier")

    batch = await commit_import(
        books.connectors, books.company_id, "supplier", preview=suppliers, take=[ids["Harbour Pipes"]]
    )
    customers = await preview_import(books.connectors, books.company_id, "customer")

    assert batch.created == 1
    assert batch.summary["left_out"] == 2
    assert {r.name: r.outcome for r in customers.records}["Harbour Pipes"] == "ask"
