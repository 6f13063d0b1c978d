"""Side by side, a company starting mid-year: its open items at the cut-off are linked to the package's
own open documents (the sure ones at once, the one to check by a person), then everything after the
cut-off is sent against them, nothing blocked, and the reconcile agrees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import RecordNotFound
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    Created,
    DocumentDraft,
    DocumentType,
    LineDraft,
    PaymentDraft,
)
from ledgerlink.services.onboarding.connect import OnboardingPath
from ledgerlink.services.sending.open_item_links import link_open_item, match_open_items
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.store import Store
from tests.integration.services.test_nominal_mapping import _send
from tests.integration.services.test_open_items import CUT_OFF, MID_YEAR
from tests.support.sandbox_books import PACKAGES, Books, books_for, feed

D = Decimal
# each package's income and purchase accounts, tax rates and bank, as its sandbox seeds them
CHART = {
    "sage": {"sales": ("4000", "GB_STANDARD"), "purchase": ("5000", "GB_STANDARD"), "bank": "1200"},
    "xero": {"sales": ("200", "OUTPUT2"), "purchase": ("310", "INPUT2"), "bank": "090"},
    "quickbooks": {"sales": ("4000", "20.0% S"), "purchase": ("5000", "20.0% S"), "bank": "1200"},
}
PACKAGES_HERE = [*PACKAGES, "quickbooks"]


@pytest.fixture(autouse=True)
def service_items_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The person allows QuickBooks' service items to be made for the accounts invoices sell to."""
    monkeypatch.setenv("LEDGERLINK_QUICKBOOKS_CREATE_ITEMS", "true")


async def _made(connector: PackageConnector, draft: Any) -> str:
    [made] = await connector.create([draft])
    assert isinstance(made, Created), made
    return made.package_id


async def _already_in_the_package(books: Books, connector: PackageConnector) -> None:
    """What the bookkeeper keyed into the package before the cut-off: the two contacts, the unpaid
    invoice, the half-paid one with its payment, and the bill under the supplier's own reference."""
    chart = CHART[books.package]
    accounts = {a.code: a.id for a in await connector.ledger_accounts()}
    banks = {b.code: b.id for b in await connector.bank_accounts()}
    taxes = {name: t.id for t in await connector.tax_rates() for name in (t.id, t.name)}
    customer = await _made(
        connector, ContactDraft(key="c1", source_id="C1", role="customer", name="Jane Smith")
    )
    supplier = await _made(
        connector, ContactDraft(key="s1", source_id="S1", role="supplier", name="City Plumbing Supplies")
    )

    def document(number: str, net: str, purchase: bool, day: date) -> DocumentDraft:
        code, tax = chart["purchase" if purchase else "sales"]
        vat = (D(net) * D("0.2")).quantize(D("0.01"))
        line = LineDraft("Work", D(1), D(net), D(net), vat, accounts.get(code, ""), code, taxes[tax])
        return DocumentDraft(
            key=f"pkg-{number}",
            source_id=number,
            document_type=DocumentType.PURCHASE_INVOICE if purchase else DocumentType.SALES_INVOICE,
            contact_id=supplier if purchase else customer,
            number=number,
            date=day,
            lines=(line,),
            net=D(net),
            vat=vat,
            gross=D(net) + vat,
            due_date=day,
        )

    await _made(connector, document("INV-1001", "100.00", False, date(2025, 2, 3)))
    half_paid = await _made(connector, document("INV-1002", "50.00", False, date(2025, 3, 3)))
    await _made(connector, document("77123", "200.00", True, date(2025, 3, 1)))
    await _made(
        connector,
        PaymentDraft(
            key="pkg-P-0",
            source_id="P-0",
            document_type=DocumentType.CUSTOMER_RECEIPT,
            contact_id=customer,
            bank_account_id=banks.get(chart["bank"], ""),
            bank_account_code=chart["bank"],
            date=date(2025, 3, 20),
            amount=D("30.00"),
            allocations=(AllocationLine(half_paid, DocumentType.SALES_INVOICE, D("30.00")),),
        ),
    )
    with books.store.unit_of_work() as uow:
        links = uow.links(books.current().id)
        links.add(RecordKind.CUSTOMER, "C1", customer, how="manual")
        links.add(RecordKind.SUPPLIER, "S1", supplier, how="manual")
        uow.commit()


@pytest.mark.parametrize("path", ["side-by-side", "package-first"])
@pytest.mark.parametrize("package", PACKAGES_HERE)
async def test_open_items_linked_then_everything_after_the_cut_off_goes_and_agrees(
    package: str, path: OnboardingPath, sqlite_store: Store, tmp_path: Path
) -> None:
    """The package holds the books already on both paths (package-first: its contacts were imported,
    which links them as the test does), so each open item is linked to the package's own copy."""
    books = books_for(package, sqlite_store, tmp_path)
    feed(books, MID_YEAR)
    await books.connect(path=path, cut_off=CUT_OFF)
    if path == "package-first":  # the import is tested on its own; here it is the two links made below
        with books.store.unit_of_work() as uow:
            uow.connections(books.company_id).mark_step(books.current().id, "import")
            uow.commit()
    await books.read_lists()
    books.nominals().accept_suggestions()
    connector = books.connectors.connector(books.current())
    try:
        await _already_in_the_package(books, connector)
        matches = {m.source_id: m for m in await match_open_items(books.store, books.company_id, connector)}
        to_check = matches["B-1"]
        await link_open_item(books.store, books.company_id, "B-1", to_check.package_id, connector)
        report = await _send(books)
        balances = await reconcile(books.store, books.current(), connector)
    finally:
        await connector.aclose()

    assert {s: (m.band, m.linked) for s, m in matches.items()} == {
        "J-1": ("sure", True),
        "J-2": ("sure", True),
        "B-1": ("likely", False),  # the supplier's own reference is not the bill's number here
    }
    assert to_check.reasons == ("same contact", "same amount open (240.00)")
    assert report.counts[EntryState.BLOCKED] == report.counts[EntryState.FAILED] == 0
    assert report.counts[EntryState.WAITING] == report.counts[EntryState.UNCERTAIN] == 0
    assert report.sent["customer payment"] == report.sent["supplier payment"] == 1
    assert balances.clean, balances.differences


async def test_a_person_links_an_open_item_only_to_an_open_document_of_its_own_party(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("xero", sqlite_store, tmp_path)
    feed(books, MID_YEAR)
    await books.connect(path="side-by-side", cut_off=CUT_OFF)
    await books.read_lists()
    books.nominals().accept_suggestions()
    connector = books.connectors.connector(books.current())
    try:
        await _already_in_the_package(books, connector)
        other = await _made(
            connector, ContactDraft(key="c9", source_id="C9", role="customer", name="Bob Jones")
        )
        accounts = {a.code: a.id for a in await connector.ledger_accounts()}
        line = LineDraft(
            "Work", D(1), D("100.00"), D("100.00"), D("20.00"), accounts["200"], "200", "OUTPUT2"
        )
        await _made(
            connector,
            DocumentDraft(
                key="pkg-INV-0900",
                source_id="INV-0900",
                document_type=DocumentType.SALES_INVOICE,
                contact_id=other,
                number="INV-0900",
                date=date(2025, 2, 1),
                lines=(line,),
                net=D("100.00"),
                vat=D("20.00"),
                gross=D("120.00"),
                due_date=date(2025, 3, 1),
            ),
        )
        theirs = {d.number: d for d in await connector.open_documents(before=CUT_OFF)}
        refusals = []
        for item, package_id in (
            ("J-1", "no-such-document"),
            ("J-1", theirs["INV-0900"].package_id),  # another customer's invoice
            ("J-1", theirs["77123"].package_id),  # the supplier's bill
            ("B-1", theirs["INV-1001"].package_id),  # the customer's invoice
        ):
            with pytest.raises(RecordNotFound) as refused:
                await link_open_item(books.store, books.company_id, item, package_id, connector)
            refusals.append(str(refused.value))
        linked = await link_open_item(
            books.store, books.company_id, "J-1", theirs["INV-1001"].package_id, connector
        )
    finally:
        await connector.aclose()

    assert "no-such-document is not one of the package's open documents" in refusals[0]
    assert "(INV-0900) belongs to another contact in the package than customer C1" in refusals[1]
    assert "is a purchase invoice in the package, and Invoice INV-1001" in refusals[2]
    assert "is a sales invoice in the package, and Supplier invoice PC/1" in refusals[3]
    assert all(refusal.endswith("was not linked") for refusal in refusals)
    assert linked.number == "INV-1001"
