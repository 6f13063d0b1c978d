"""Uncertain records are settled by Re-send without a full send, and every try says what was asked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.services.sending.controls import entry_history, failures, status
from ledgerlink.services.sending.settling import settle_uncertain
from ledgerlink.store import Store
from tests.integration.services.test_nominal_mapping import OTHER_INCOME, SMALL_BOOKS, _send
from tests.support.sandbox_books import PACKAGES, Books, books_for, feed


async def _faults(books: Books, **rates: float) -> None:
    await books.admin("POST", "/_sandbox/faults", {"business_id": await books.business_id(), **rates})


@pytest.mark.parametrize("package", PACKAGES)
async def test_re_send_settles_uncertain_records_without_sending_anything_else(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    feed(books, SMALL_BOOKS)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    books.nominals().map("nominal", "4900", OTHER_INCOME[package])
    await _faults(books, drop_after_store_rate=1.0)
    await _send(books)
    await _faults(books, drop_after_store_rate=0.0)
    uncertain = [f for f in failures(books.store, books.company_id) if f.state is EntryState.UNCERTAIN]
    counted = status(books.store, books.company_id).counts[EntryState.UNCERTAIN]
    writes_before = len(books.wire.writes())

    settled = await settle_uncertain(books.connectors, books.company_id, [str(f.entry_id) for f in uncertain])

    assert counted == len(uncertain) > 0
    assert (settled.asked, settled.sent, settled.still_uncertain) == (len(uncertain), len(uncertain), 0)
    assert status(books.store, books.company_id).counts[EntryState.UNCERTAIN] == 0
    counts = (await books.admin("GET", "/_sandbox/state"))["businesses"][0]["counts"]
    assert counts["contacts"] == 2  # each customer once, though its reply was lost
    assert not any(count for name, count in counts.items() if "invoice" in name.lower())
    # what the re-send asked were replays or look-ups of those records alone: nothing else went
    assert len(books.wire.writes()) - writes_before <= len(uncertain)


@pytest.mark.parametrize("package", PACKAGES)
async def test_every_attempt_says_when_what_was_asked_its_status_and_the_answer(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    feed(books, SMALL_BOOKS)
    await books.connect(cut_off=date(2025, 1, 1))
    await books.read_lists()
    books.nominals().accept_suggestions(checked=True)
    books.nominals().map("nominal", "4900", OTHER_INCOME[package])
    await _send(books)
    with books.store.unit_of_work() as uow:
        entry = uow.outbox(books.current()).find(RecordKind.INVOICE, "J-1")
    assert entry is not None

    _, attempts = entry_history(books.store, books.company_id, entry.id)

    (attempt,) = attempts
    assert attempt["at"] is not None
    assert attempt["request"].split()[0] in ("POST", "PUT")
    assert attempt["status"] == 200 or attempt["status"] == 201
    assert attempt["outcome"] == "created"
    assert attempt["detail"] == entry.package_id
