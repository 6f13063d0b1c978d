"""Passwords: which ones a person may choose, and argon2 hashing, bounded in how much runs at once.

Length alone let `1234567890` and `password12` through. A password is judged by zxcvbn (Dropbox's
estimate of how many guesses it takes, with its lists of common passwords, names and words) knowing the
account's own words, so `hollisheating1` is as weak for Hollis Heating as `password1` for anyone. Only
the first 72 characters are judged (zxcvbn refuses more); a password is at most 1,024 characters,
since argon2 reads every one and a megabyte of password is a request that costs the server, not a
stronger password.

argon2 is slow and large on purpose (about 64 MiB and tens of milliseconds a hash): forty sign-ins at
once took a server from 127 MiB to 1 GiB and every other call from 38 ms to seconds. At most
`HASHING_AT_ONCE` hashes run at once in a process; a request that cannot start one within
`HASHING_WAIT` seconds is refused with `PasswordWorkBusy`, to come back a second later.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from ledgerlink.errors import LedgerlinkError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
JUDGED_LENGTH = 72  # zxcvbn's own limit
STRONG_ENOUGH = 3  # zxcvbn's score for "safely unguessable": about 10^8 guesses and more
HASHING_AT_ONCE = 2
HASHING_WAIT = 1.0  # seconds a request waits for its turn to hash before it is told to come back
RULE = (
    f"at least {MIN_PASSWORD_LENGTH} and at most {MAX_PASSWORD_LENGTH:,} characters, not a common password"
    " and not made of your email or company name: a few unusual words make a good one"
)

_hasher = PasswordHasher()
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)


class PasswordWorkBusy(LedgerlinkError):
    """Too many passwords are being hashed at once; `retry_after` seconds later there is room."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def account_words(*texts: str) -> list[str]:
    """What a guesser tries first for this account: each text, its words, and its words run together."""
    words: list[str] = []
    for text in texts:
        parts = [part for part in re.split(r"[^0-9a-z]+", text.lower()) if part]
        words += [text, *parts, "".join(parts)]
        local, _, domain = text.lower().partition("@")
        if domain:
            words += [local, domain.split(".")[0]]
    return [word for word in dict.fromkeys(words) if word]


def password_problem(password: str, *, account: Sequence[str] = ()) -> str:
    """What is wrong with `password` for the account of `account` (its email, names), or "" if nothing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"choose a password of at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"choose a password of at most {MAX_PASSWORD_LENGTH:,} characters"
    judged = zxcvbn(password[:JUDGED_LENGTH], user_inputs=account_words(*account))
    if judged["score"] >= STRONG_ENOUGH:
        return ""
    feedback = judged["feedback"]
    why = feedback["warning"] or "It would be guessed quickly."
    advice = " ".join(feedback["suggestions"]) or "Add another word or two; uncommon words are better."
    return f"choose a stronger password. {why} {advice}".strip()


@contextmanager
def hashing_turn() -> Iterator[None]:
    """One of the `HASHING_AT_ONCE` turns to hash, waited for at most `HASHING_WAIT` seconds."""
    if not _hashing.acquire(timeout=HASHING_WAIT):
        raise PasswordWorkBusy("too many sign-ins at once; try again in a moment")
    try:
        yield
    finally:
        _hashing.release()


def hash_password(password: str) -> str:
    with hashing_turn():
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from."""
    with hashing_turn():
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker settings than argon2's current ones."""
    return _hasher.check_needs_rehash(password_hash)
