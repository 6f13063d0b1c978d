"""What a send waits for, in words, from the calls left and the pace the package allows."""

from __future__ import annotations

from ledgerlink.domain.outbox import Step
from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.connection import Limits
from ledgerlink.packages.drafts import DocumentType
from ledgerlink.services.sending.pace import calls_by_kind, calls_needed, daily_limit_used, in_words, waiting

ONE_A_CALL = Limits(requests_per_minute=200, concurrency=2)
FIFTY_A_CALL = Limits(
    requests_per_minute=60,
    concurrency=5,
    requests_per_day=5000,
    batch_sizes={DocumentType.CONTACT: 50, DocumentType.SALES_INVOICE: 50},
)

# 500 requests a minute, but its batch endpoint, which every record goes through, only 40 calls a minute
BATCHES_OF_THIRTY = Limits(
    requests_per_minute=500,
    concurrency=10,
    batch_sizes={DocumentType.CONTACT: 30, DocumentType.SALES_INVOICE: 30},
    calls_per_minute={"batch": 40},
    call_kinds={DocumentType.CONTACT: "batch", DocumentType.SALES_INVOICE: "batch"},
)


def test_calls_are_counted_as_the_package_takes_records_a_call() -> None:
    left = {
        (RecordKind.CUSTOMER, Step.CREATE): 120,
        (RecordKind.INVOICE, Step.CREATE): 1001,
        (RecordKind.CREDIT_NOTE, Step.ALLOCATE): 7,
    }

    assert calls_needed(ONE_A_CALL, left) == 120 + 1001 + 7
    assert calls_needed(FIFTY_A_CALL, left) == 3 + 21 + 7


def test_a_long_send_says_the_minute_limit_and_the_time_left() -> None:
    found = waiting("Sage Accounting", ONE_A_CALL, calls_left=597, per_second=199 / 60)

    assert found is not None
    assert found.message == "Sage Accounting allows 200 requests a minute: about 3 minutes left"
    assert round(found.seconds_left) == 180


def test_what_goes_within_a_minute_s_budget_waits_for_nothing() -> None:
    assert waiting("Sage Accounting", ONE_A_CALL, calls_left=150, per_second=199 / 60) is None
    assert waiting("Sage Accounting", ONE_A_CALL, calls_left=5000, per_second=None) is None


def test_a_send_longer_than_a_day_s_limit_says_so_before_it_stops() -> None:
    found = waiting("Xero", FIFTY_A_CALL, calls_left=6100, per_second=59 / 60)

    assert found is not None
    assert "Xero allows 5,000 requests a day" in found.message
    assert "2 days in all" in found.message


def test_a_stop_on_the_daily_limit_says_when_it_goes_on_and_what_is_left() -> None:
    said = daily_limit_used("Sage Accounting", 4 * 3600 + 10, 1200)

    assert said == (
        "Sage Accounting's daily limit is used: the send goes on in about 4 hours when Sage Accounting's"
        " day turns, about 1,200 records left"
    )
    assert in_words(70 * 60) == "about 1 hour 10 minutes"


def test_calls_of_a_kind_with_its_own_budget_are_counted_apart() -> None:
    left = {
        (RecordKind.CUSTOMER, Step.CREATE): 120,
        (RecordKind.INVOICE, Step.CREATE): 2990,
        (RecordKind.CREDIT_NOTE, Step.ALLOCATE): 7,
    }

    assert calls_by_kind(BATCHES_OF_THIRTY, left) == {"batch": 4 + 100, None: 7}
    assert calls_needed(BATCHES_OF_THIRTY, left) == 111


def test_a_send_held_by_a_kind_s_own_budget_says_that_budget_and_its_time() -> None:
    # 104 batch calls at 40 a minute take over two and a half minutes, although 111 requests at 500 a
    # minute would go within one
    found = waiting(
        "QuickBooks Online",
        BATCHES_OF_THIRTY,
        calls_left=111,
        per_second=499 / 60,
        kinds_left={"batch": (104, 39 / 60)},
    )

    assert found is not None
    assert found.message == "QuickBooks Online allows 40 batch calls a minute: about 3 minutes left"
    assert round(found.seconds_left) == 160


def test_a_kind_s_budget_that_is_not_the_slowest_changes_nothing() -> None:
    found = waiting(
        "QuickBooks Online",
        BATCHES_OF_THIRTY,
        calls_left=3000,
        per_second=499 / 60,
        kinds_left={"batch": (30, 39 / 60)},
    )

    assert found is not None
    assert found.message.startswith("QuickBooks Online allows 500 requests a minute:")
