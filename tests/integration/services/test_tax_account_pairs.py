"""Tax rate and account pairs a package refuses are refused before sending, with a reason naming both.

Xero allows a tax rate only on the account classes its `CanApplyTo*` flags name (a purchase rate on a
revenue account is refused); Sage takes sales lines only on sales and other-income accounts and purchase
lines only on cost and overhead accounts. The mapping step never offers such a pair, but a mapping set
by hand (or one the package's chart has since made wrong) must still stop the record, not reach the
package as a request it will refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import Customer, DocumentLine, Invoice, Record, Supplier, SupplierInvoice
from ledgerlink.services.onboarding.nominals import MappingRefused
from ledgerlink.services.onboarding.package_lists import load_package_lists
from ledgerlink.services.sending.controls import failures
from ledgerlink.services.sending.engine import Sender
from ledgerlink.store import Store
from ledgerlink.store.connections import MappingKind, MappingRepository
from tests.support.sandbox_books import Books, books_for, feed

CUSTOMER = Customer(source_id="C1", first_name="Jane", last_name="Smith")
SUPPLIER = Supplier(source_id="S1", name="Plumb Center")
SALE = Invoice(
    source_id="J-1",
    number="INV-2001",
    date=date(2025, 5, 1),
    customer_id="C1",
    lines=(
        DocumentLine(
            description="Boiler service", unit_price=Decimal("80.00"), vat_rate="S", nominal_code="4000"
        ),
    ),
)
BILL = SupplierInvoice(
    source_id="B-1",
    number="PC-778",
    date=date(2025, 5, 2),
    due_date=date(2025, 6, 1),
    supplier_id="S1",
    lines=(
        DocumentLine(
            description="Copper pipe", unit_price=Decimal("42.00"), vat_rate="S", nominal_code="5000"
        ),
    ),
)


@dataclass(frozen=True)
class Pair:
    """A mapping set by hand that makes a pair the package refuses, and how the refusal must read."""

    package: str
    record: Record
    kind: MappingKind
    jobs_code: str
    package_ref: str  # the tax rate's id, or the account's code
    tax_rate: str
    account: str

    def __str__(self) -> str:
        return f"{self.package}-{self.kind}-{self.jobs_code}"


PAIRS = [
    # Xero: a purchase-only rate on a sales account, a sales-only rate on a cost account
    Pair("xero", SALE, "vat_sales", "S", "INPUT2", "20% (VAT on Expenses)", "200 Sales"),
    Pair("xero", BILL, "vat_purchase", "S", "OUTPUT2", "20% (VAT on Income)", "310 Cost of Goods Sold"),
    # Sage: a sales line on an overheads account, a purchase line on a sales account
    Pair("sage", SALE, "nominal", "4000", "7100", "Standard 20.00%", "7100 Rent"),
    Pair("sage", BILL, "nominal", "5000", "4000", "Standard 20.00%", "4000 Sales Type A"),
]


async def _mapped_by_hand(pair: Pair, store: Store, tmp_path: Path) -> Books:
    books = books_for(pair.package, store, tmp_path)
    feed(books, [CUSTOMER, SUPPLIER, pair.record])
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    assert books.nominals().check().clean
    with store.unit_of_work() as uow:
        lists = load_package_lists(uow, books.current().id)
        package_id = pair.package_ref
        if pair.kind == "nominal":
            package_id = next(a.id for a in lists.ledger_accounts if a.code == pair.package_ref)
        MappingRepository(uow.session, books.current().id).set(
            pair.kind, pair.jobs_code, package_id, set_by="hand"
        )
        uow.commit()
    return books


@pytest.mark.parametrize("pair", PAIRS, ids=str)
async def test_the_mapping_step_refuses_the_pair_when_a_person_chooses_it(
    pair: Pair, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(pair.package, sqlite_store, tmp_path)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()

    with pytest.raises(MappingRefused) as refused:
        books.nominals().map(pair.kind, pair.jobs_code, pair.package_ref)

    assert (pair.tax_rate if pair.kind != "nominal" else pair.account) in str(refused.value)


@pytest.mark.parametrize("pair", PAIRS, ids=str)
async def test_the_check_names_the_tax_rate_and_the_account_of_a_refused_pair(
    pair: Pair, sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _mapped_by_hand(pair, sqlite_store, tmp_path)

    report = books.nominals().check()

    assert not report.clean
    assert [p.message for p in report.problems if pair.tax_rate in p.message and pair.account in p.message]


@pytest.mark.parametrize("pair", PAIRS, ids=str)
async def test_a_refused_pair_fails_its_record_before_any_call_with_a_reason_naming_both(
    pair: Pair, any_store: Store, tmp_path: Path
) -> None:
    books = await _mapped_by_hand(pair, any_store, tmp_path)
    books.wire.requests.clear()
    connector = books.connectors.connector(books.current())

    report = await Sender(books.store, connection=books.current(), connector=connector).run()
    await connector.aclose()

    failed = failures(books.store, books.company_id)
    assert [(f.source_id, f.attempts) for f in failed] == [(pair.record.source_id, 0)]
    assert pair.tax_rate in failed[0].reason
    assert pair.account in failed[0].reason
    # the contacts went; nothing else was asked of the package
    assert report.sent["customer"] + report.sent["supplier"] == 2
    assert [write for write in books.wire.writes() if "contact" not in write[1].lower()] == []
