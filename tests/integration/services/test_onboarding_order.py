"""Each onboarding path refuses a step entered before the ones it follows, naming what is missing, and
lets it in once they are done."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import Customer, DocumentLine, Invoice
from ledgerlink.errors import StepNotReady
from ledgerlink.services.importing.batches import commit_import
from ledgerlink.services.linking.proposals import finish_step, run_linking
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.steps import onboarding_state
from ledgerlink.services.sending.controls import send_now
from ledgerlink.store import Store
from tests.support.sandbox_books import Books, books_for, feed

CUT_OFF = date(2025, 1, 1)
BOOKS = [
    Customer(source_id="C1", first_name="Jane", last_name="Smith"),
    Invoice(
        source_id="J-1",
        number="INV-3001",
        date=date(2025, 6, 2),
        customer_id="C1",
        lines=(
            DocumentLine(
                description="Boiler service", unit_price=Decimal("80.00"), vat_rate="S", nominal_code="4000"
            ),
        ),
    ),
]
PACKAGE_CONTACTS = [{"name": "Acme Lettings Ltd", "reference": "ACME01", "type": "customer"}]


async def _books(store: Store, tmp_path: Path) -> Books:
    books = books_for("sage", store, tmp_path)
    feed(books, BOOKS)
    return books


async def test_new_package_mapping_waits_for_the_cut_off_date_and_sending_for_the_mapping(
    any_store: Store, tmp_path: Path
) -> None:
    books = await _books(any_store, tmp_path)
    await books.connect()
    await books.read_lists()

    with pytest.raises(StepNotReady) as before_cut_off:
        books.nominals().accept_suggestions(checked=True)
    save_settings(books.connectors, books.company_id, books.current().id, cut_off_date=CUT_OFF)
    with pytest.raises(StepNotReady) as before_mapping:
        await send_now(books.connectors, books.company_id)
    books.nominals().accept_suggestions(checked=True)
    report = await send_now(books.connectors, books.company_id)

    assert str(before_cut_off.value).startswith(
        "nominal accounts: map accounts, VAT rates and payment methods"
    )
    assert "get started" in str(before_cut_off.value)
    assert "no cut-off date is set" in str(before_cut_off.value)
    assert before_cut_off.value.missing[0].startswith("get started")
    assert [m.split(":")[0] for m in before_mapping.value.missing] == ["nominal accounts"]
    assert "1 sales account unmapped: 1 document cannot be sent" in str(before_mapping.value)
    assert report.sent["invoice"] == 1


async def test_side_by_side_sending_waits_for_the_customers_to_be_linked(
    any_store: Store, tmp_path: Path
) -> None:
    books = await _books(any_store, tmp_path)
    await books.connect(path="side-by-side", cut_off=CUT_OFF)
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)

    with pytest.raises(StepNotReady) as before_linking:
        await send_now(books.connectors, books.company_id)
    await run_linking(books.connectors, books.company_id, "customer")
    finish_step(books.store, books.company_id, "customer")
    report = await send_now(books.connectors, books.company_id)

    assert [m.split(" (")[0] for m in before_linking.value.missing] == ["link existing customers"]
    assert "customers have not been linked or marked to be created" in str(before_linking.value)
    assert report.sent["invoice"] == 1


async def test_package_first_mapping_and_sending_wait_for_the_import(
    any_store: Store, tmp_path: Path
) -> None:
    books = await _books(any_store, tmp_path)
    await books.connect(path="package-first", cut_off=CUT_OFF, contacts=PACKAGE_CONTACTS)
    await books.read_lists()

    with pytest.raises(StepNotReady) as mapping_before_import:
        books.nominals().accept_suggestions(checked=True)
    with pytest.raises(StepNotReady) as sending_before_import:
        await send_now(books.connectors, books.company_id)
    await commit_import(books.connectors, books.company_id, "customer")
    books.nominals().accept_suggestions(checked=True)
    report = await send_now(books.connectors, books.company_id)

    for refused in (mapping_before_import.value, sending_before_import.value):
        assert (
            refused.missing[0]
            == "import customers and suppliers from the package (no import has been committed yet)"
        )
    assert str(sending_before_import.value).startswith("send data cannot start yet")
    assert report.sent["invoice"] == 1
    assert onboarding_state(books.store, books.company_id).current is None


async def test_connecting_is_the_first_step_and_nothing_later_is_ticked_before_it_is_reached(
    any_store: Store, tmp_path: Path
) -> None:
    books = await _books(any_store, tmp_path)
    await books.connect(path="package-first", contacts=PACKAGE_CONTACTS)
    await books.read_lists()

    connected = onboarding_state(books.store, books.company_id)
    save_settings(books.connectors, books.company_id, books.current().id, cut_off_date=CUT_OFF)
    dated = onboarding_state(books.store, books.company_id)

    assert [s.name for s in connected.steps][:2] == ["get_started", "import"]
    assert [s.complete for s in connected.steps] == [False] * len(connected.steps)
    suppliers = next(s for s in connected.steps if s.name == "link_suppliers")
    assert suppliers.missing == "comes after the steps before it"  # no suppliers, yet not done
    assert [s.complete for s in dated.steps] == [True] + [False] * (len(dated.steps) - 1)
    assert dated.current is not None
    assert dated.current.name == "import"
