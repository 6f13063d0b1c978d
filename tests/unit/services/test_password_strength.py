"""Which passwords a person may choose: long enough, not too long to hash, and not guessable."""

from __future__ import annotations

import pytest

from ledgerlink.services.passwords import MAX_PASSWORD_LENGTH, account_words, password_problem

HOLLIS = ("office@hollis-heating.example.com", "Hollis Heating")


@pytest.mark.parametrize(
    "password", ["1234567890", "password12", "qwertyuiop", "iloveyou123", "aaaaaaaaaaaa"]
)
def test_a_common_password_is_refused_though_long_enough(password: str) -> None:
    assert password_problem(password).startswith("choose a stronger password")


@pytest.mark.parametrize("password", ["hollisheating1", "HollisHeating2024", "hollis-heating-1"])
def test_a_password_made_of_the_accounts_own_words_is_refused(password: str) -> None:
    assert password_problem(password, account=HOLLIS).startswith("choose a stronger password")


def test_a_password_of_a_few_unusual_words_is_taken() -> None:
    assert password_problem("correct horse battery", account=HOLLIS) == ""
    assert password_problem("tr0ub4dor&3x pewter", account=HOLLIS) == ""


def test_a_password_is_at_least_10_and_at_most_1024_characters() -> None:
    assert password_problem("x7#Kq!2", account=HOLLIS) == "choose a password of at least 10 characters"
    longest = "correct horse battery " * 47
    assert len(longest[:MAX_PASSWORD_LENGTH]) == MAX_PASSWORD_LENGTH
    assert password_problem(longest[:MAX_PASSWORD_LENGTH]) == ""
    assert (
        password_problem("x" + longest[:MAX_PASSWORD_LENGTH])
        == "choose a password of at most 1,024 characters"
    )
    assert password_problem("€" * 10_000_000) == "choose a password of at most 1,024 characters"


def test_the_accounts_words_include_its_names_run_together_and_its_email_parts() -> None:
    words = account_words(*HOLLIS)
    assert {"hollis", "heating", "hollisheating", "office", "hollis-heating"} <= set(words)
