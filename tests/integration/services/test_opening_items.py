"""On the new-package path, a company starting mid-year: each document still open at the cut-off goes
to the package as an opening item the way that package takes them, then everything after the cut-off
is sent against them, nothing blocked, and every balance agrees with the jobs side."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import Invoice, RecordKind
from ledgerlink.errors import RecordNotFound
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.services.onboarding.nominals import Band, MappingRefused
from ledgerlink.services.sending.controls import dry_run
from ledgerlink.services.sending.open_items import open_items, settle_outside
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.store import Store
from tests.integration.services.test_nominal_mapping import _send
from tests.integration.services.test_open_items import CUT_OFF, MID_YEAR
from tests.integration.services.test_send_without_idempotency import send_losing_every_reply
from tests.support.sandbox_books import Books, books_for, feed

PACKAGES = ("sage", "xero", "quickbooks")


@pytest.fixture(autouse=True)
def service_items_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The person allows QuickBooks' service items to be made for the accounts invoices sell to."""
    monkeypatch.setenv("LEDGERLINK_QUICKBOOKS_CREATE_ITEMS", "true")


async def _new_package(package: str, store: Store, tmp_path: Path) -> Books:
    books = books_for(package, store, tmp_path)
    feed(books, MID_YEAR)
    await books.connect(cut_off=CUT_OFF, path="new-package")
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    return books


@pytest.mark.parametrize("package", PACKAGES)
async def test_open_items_go_in_as_opening_items_and_the_books_agree(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _new_package(package, sqlite_store, tmp_path)
    assert books.nominals().check().clean, books.nominals().check().problems

    report = await _send(books)
    connector = books.connectors.connector(books.current())
    try:
        balances = await reconcile(books.store, books.current(), connector)
    finally:
        await connector.aclose()

    left = {state: report.counts[state] for state in EntryState if state is not EntryState.SENT}
    assert all(count == 0 for count in left.values()), (left, report.stopped)
    # the two invoices and the bill open at the cut-off, as opening items, and everything after it
    assert report.sent["invoice"] == 3
    assert report.sent["supplier invoice"] == 1
    assert report.sent["customer payment"] == report.sent["supplier payment"] == 1
    assert balances.clean, balances.differences
    listed = {item.source_id: bool(item.package_id) for item in open_items(books.store, books.company_id)}
    assert listed == {"J-1": True, "J-2": True, "B-1": True}
    with books.store.unit_of_work() as uow:
        half_paid = uow.outbox(books.current()).find(RecordKind.INVOICE, "J-2")
    assert half_paid is not None
    sent = json.loads(half_paid.sent_summary)
    assert (sent["gross"], sent["date"]) == ("30.00", CUT_OFF.isoformat())  # what was open, at the cut-off


@pytest.mark.parametrize("package", ["sage", "xero"])  # QuickBooks takes no supplier payment on account
async def test_settled_outside_instead_no_opening_item_is_sent(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _new_package(package, sqlite_store, tmp_path)
    settle_outside(books.store, books.company_id, ["J-1", "J-2", "B-1"])

    report = await _send(books)
    connector = books.connectors.connector(books.current())
    try:
        balances = await reconcile(books.store, books.current(), connector)
    finally:
        await connector.aclose()

    assert report.sent["invoice"] == 1  # INV-1004, after the cut-off
    assert "supplier invoice" not in report.sent
    assert report.counts[EntryState.BLOCKED] == report.counts[EntryState.FAILED] == 0
    assert balances.clean, balances.differences


async def test_an_open_item_in_the_package_cannot_be_settled_outside_any_more(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _new_package("xero", sqlite_store, tmp_path)
    await _send(books)

    with pytest.raises(RecordNotFound, match="J-1"):
        settle_outside(books.store, books.company_id, ["J-1"])


async def test_where_opening_items_go_is_part_of_the_mapping_step(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("xero", sqlite_store, tmp_path)
    feed(books, MID_YEAR)
    await books.connect(cut_off=CUT_OFF, path="new-package")
    await books.read_lists()
    nominals = books.nominals()

    lines = {line.jobs_code: line for line in nominals.lines() if line.kind == "opening"}
    before = [problem.message for problem in nominals.check().problems if problem.kind == "opening"]
    with pytest.raises(MappingRefused, match="income account; opening items go to an equity or liability"):
        nominals.map("opening", "account", "200")
    nominals.accept_suggestions()
    after = [problem for problem in nominals.check().problems if problem.kind == "opening"]

    suggested = {
        code: (line.suggestion.package_label, line.band) for code, line in lines.items() if line.suggestion
    }
    assert suggested == {
        "account": ("850 Suspense", Band.SURE),
        "vat-sales": ("No VAT", Band.SURE),
        "vat-purchase": ("No VAT", Band.SURE),
    }
    assert before[0] == (
        "Opening items at the cut-off: account is not mapped: 3 open items at the cut-off cannot be sent"
    )
    assert after == []


async def test_a_package_with_its_own_opening_balances_needs_no_mapping_for_them(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("sage", sqlite_store, tmp_path)
    feed(books, MID_YEAR)
    await books.connect(cut_off=CUT_OFF, path="new-package")
    await books.read_lists()

    assert [line for line in books.nominals().lines() if line.kind == "opening"] == []


async def test_an_open_item_changed_after_it_went_in_is_left_or_explained(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _new_package("xero", sqlite_store, tmp_path)
    await _send(books)
    before = {record.source_id: record for record in MID_YEAR}
    first, second = before["J-1"], before["J-2"]
    assert isinstance(first, Invoice)
    assert isinstance(second, Invoice)
    reworded = first.model_copy(
        update={"lines": (first.lines[0].model_copy(update={"description": "Boiler"}),)}
    )
    dearer = second.model_copy(
        update={"lines": (second.lines[0].model_copy(update={"unit_price": Decimal(70)}),)}
    )
    feed(books, [reworded, dearer])

    report = await _send(books)
    with books.store.unit_of_work() as uow:
        outbox = uow.outbox(books.current())
        same, changed = outbox.find(RecordKind.INVOICE, "J-1"), outbox.find(RecordKind.INVOICE, "J-2")

    assert report.updated == 0
    assert same is not None
    assert same.changed_after_sending == ""  # what was open on it at the cut-off is as it was
    assert changed is not None
    assert "went in as an opening item, which ledgerlink does not change" in changed.changed_after_sending


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_opening_item_whose_reply_was_lost_goes_in_once(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    app = sandbox_app(package, limits=False, ignore_idempotency_id=True) if package == "sage" else None
    books = books_for(package, sqlite_store, tmp_path, app=app)
    feed(books, MID_YEAR)
    await books.connect(cut_off=CUT_OFF, path="new-package")
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)

    await send_losing_every_reply(books)
    report = await _send(books)
    connector = books.connectors.connector(books.current())
    try:
        balances = await reconcile(books.store, books.current(), connector)
    finally:
        await connector.aclose()

    assert all(count == 0 for state, count in report.counts.items() if state is not EntryState.SENT)
    assert balances.clean, balances.differences  # one opening item each: a second would owe twice


async def test_a_dry_run_counts_the_opening_items_a_send_would_make(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = await _new_package("sage", sqlite_store, tmp_path)

    planned = {(line.kind, line.step): line.count for line in dry_run(books.store, books.company_id).lines}

    assert planned[(RecordKind.INVOICE, Step.CREATE)] == 3  # INV-1004, and the two open at the cut-off
    assert planned[(RecordKind.SUPPLIER_INVOICE, Step.CREATE)] == 1
