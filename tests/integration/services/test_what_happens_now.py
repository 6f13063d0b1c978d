"""Once setup is over, the wizard says what happens now: when the next automatic send is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.finished import what_happens_now
from ledgerlink.store import Store
from tests.support.sandbox_books import books_for


async def test_the_next_automatic_send_is_an_interval_after_the_last_one(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("sage", sqlite_store, tmp_path)
    assert what_happens_now(sqlite_store, books.company_id) is None  # nothing connected yet
    await books.connect(cut_off=date(2025, 1, 1))
    connection = save_settings(
        books.connectors,
        books.company_id,
        books.current().id,
        send_mode="automatic",
        send_interval_minutes=30,
    )
    now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

    before_any_send = what_happens_now(sqlite_store, books.company_id, now=now)

    assert before_any_send is not None
    assert before_any_send.automatic
    assert before_any_send.next_send_at == now + timedelta(minutes=30)
    assert not before_any_send.complete  # nothing mapped or sent yet
    assert connection.send_interval_minutes == 30
