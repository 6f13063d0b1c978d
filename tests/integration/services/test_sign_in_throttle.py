"""Password guessing is slowed by growing delays, per account and per address, with the counts in the
store so every web process sees them; on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledgerlink.services.access import SignInRefused, add_user, authenticate
from ledgerlink.services.sign_in_throttle import FREE_FAILURES, SignInThrottled, delay_after
from ledgerlink.store import Store

PASSWORD = "correct horse battery"
EMAIL = "office@hollis.example.com"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def person(any_store: Store) -> Store:
    with any_store.unit_of_work() as uow:
        company = uow.companies.add("Hollis Heating")
        uow.commit()
    add_user(any_store, company, email=EMAIL, password=PASSWORD)
    return any_store


def guess(
    store: Store, password: str, now: datetime, *, email: str = EMAIL, address: str = "203.0.113.9"
) -> str:
    try:
        authenticate(store, email=email, password=password, address=address, now=now)
    except SignInRefused:
        return "refused"
    except SignInThrottled as throttled:
        return f"wait {throttled.retry_after}"
    return "signed in"


def test_delays_grow_from_a_second_to_fifteen_minutes_after_the_free_tries() -> None:
    free = FREE_FAILURES["account"]
    assert [delay_after(free + n, "account").total_seconds() for n in range(6)] == [0, 1, 2, 4, 8, 16]
    assert delay_after(free + 500, "account") == timedelta(minutes=15)


def test_after_the_free_tries_even_the_right_password_waits_out_the_delay(person: Store) -> None:
    now = START
    for _ in range(FREE_FAILURES["account"] + 1):
        assert guess(person, "not the password", now) == "refused"
    assert guess(person, PASSWORD, now) == "wait 1"  # blocked: the password is not even looked at
    now += timedelta(seconds=1)
    assert guess(person, "still not it", now) == "refused"
    assert guess(person, PASSWORD, now) == "wait 2"
    now += timedelta(seconds=2)
    assert guess(person, PASSWORD, now) == "signed in"
    for _ in range(FREE_FAILURES["account"]):  # the right password gave the free tries back
        assert guess(person, "not the password", now) == "refused"


def test_forty_guesses_take_over_six_hours(person: Store) -> None:
    """Guessing as fast as the throttle lets through, each guess the moment a block ends (unthrottled,
    300 guesses took under two minutes)."""
    now, guesses = START, 0
    while guesses < 40:
        answer = guess(person, f"guess number {guesses}", now)
        if answer.startswith("wait"):
            now += timedelta(seconds=int(answer.split()[1]))
            continue
        guesses += 1
    assert now - START > timedelta(hours=6)


def test_guesses_spread_over_many_accounts_from_one_address_are_slowed(person: Store) -> None:
    for n in range(FREE_FAILURES["address"] + 1):
        assert guess(person, "password12345", START, email=f"someone{n}@example.com") == "refused"
    assert guess(person, PASSWORD, START) == "wait 1"
    assert guess(person, PASSWORD, START, address="198.51.100.4") == "signed in"  # another address


def test_every_web_process_sees_the_same_counts(person: Store) -> None:
    """Two stores on one database, as two web processes have."""
    other = Store.open(person.engine.url.render_as_string(hide_password=False))
    try:
        for n in range(FREE_FAILURES["account"] + 1):
            process = person if n % 2 else other
            assert guess(process, "not the password", START) == "refused"
        assert guess(other, PASSWORD, START) == "wait 1"
        assert guess(person, PASSWORD, START) == "wait 1"
    finally:
        other.close()
