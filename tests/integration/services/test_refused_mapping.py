"""An account the package will not take any more fails only the records that use it, each naming it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.drafts import DocumentDraft, DocumentType, Draft
from ledgerlink.services.sending import chunks
from ledgerlink.services.sending.controls import failures
from ledgerlink.store import Store
from tests.integration.services.conftest import World
from tests.integration.services.test_nominal_mapping import OTHER_INCOME, SMALL_BOOKS, _send
from tests.integration.services.test_sending import customer, entry_state, invoice, send
from tests.support.sandbox_books import books_for, feed


async def test_an_account_archived_in_xero_since_the_lists_were_read_fails_only_its_invoices(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("xero", sqlite_store, tmp_path)
    feed(books, SMALL_BOOKS)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    books.nominals().map("nominal", "4900", OTHER_INCOME["xero"])
    await books.change_account("200", "archived")  # and the lists are not read again before sending

    report = await _send(books)
    failed = {
        failure.number: (failure.reason, failure.field) for failure in failures(books.store, books.company_id)
    }

    assert report.sent == Counter({"customer": 2, "invoice": 1})
    assert set(failed) == {"INV-1001", "INV-1002"}
    for reason, field in failed.values():
        assert reason.startswith("nominal account 4000 is mapped to 200, which Xero refused: ")
        assert "'200'" in reason  # and Xero's own words follow
        assert field == "nominal 4000"


def _refuse_4010(draft: Draft) -> str | None:
    if isinstance(draft, DocumentDraft) and any(line.account_code == "4010" for line in draft.lines):
        return "Account code '4010' is archived and cannot be used."
    return None


async def test_once_the_package_refuses_an_account_later_records_on_it_fail_without_asking_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "CHUNK", 2)  # drafted two at a time, so the refusal comes between chunks
    world.feed(
        customer("C1"),
        *(invoice(f"INV-{n}", "C1", "10.00", nominal="4010") for n in range(1, 6)),
        invoice("INV-9", "C1", "10.00", nominal="4000"),
    )
    world.package.refuse = _refuse_4010
    world.package.calls = 0

    sender = await send(world)

    invoices_asked = world.package.calls - 1  # the customer's call
    assert invoices_asked < 5  # not one call an invoice on the refused account
    assert [
        d.number for d in world.package.of_type(DocumentType.SALES_INVOICE) if isinstance(d, DocumentDraft)
    ] == ["INV-9"]
    assert sender.report.counts[EntryState.FAILED] == 5
    for n in range(1, 6):
        state, reason = entry_state(world, RecordKind.INVOICE, f"INV-{n}")
        assert state is EntryState.FAILED
        assert reason.startswith("nominal account 4010 is mapped to 4010, which Fake refused: ")
        assert "Account code '4010' is archived" in reason
