"""Slowing down password guessing: growing delays after wrong passwords, per account and per address.

Without it, 300 wrong passwords went by at 2.7 a second and the right one then worked. Each wrong
password is counted twice, for the account (the email tried, known or not, so the throttle says nothing
about who exists) and for the client's address. The first few are free (a person mistypes); after them
each wrong one blocks that account, or that address, for twice as long as the one before, from a second
up to 15 minutes. While blocked, a sign-in is refused before any password is looked at, the right one
too. The right password, once let through, clears the account's count; an address's count lapses a day
after its last wrong password, so guesses spread over many accounts from one address are slowed too.

The counts live in the database (`uow.sign_in_failures`), so every web process in front of one
store shares them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ledgerlink.errors import LedgerlinkError
from ledgerlink.store import UnitOfWork

FREE_FAILURES = {"account": 5, "address": 20}  # an office shares one address
FIRST_DELAY = timedelta(seconds=1)
LONGEST_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)


class SignInThrottled(LedgerlinkError):
    """Too many wrong passwords lately for this account or address; `retry_after` seconds to wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def delay_after(failures: int, scope: str) -> timedelta:
    """How long `failures` wrong passwords in a row block an account or address (`scope`)."""
    beyond = failures - FREE_FAILURES[scope]
    if beyond <= 0:
        return timedelta(0)
    doubled: timedelta = FIRST_DELAY * 2 ** min(beyond - 1, 20)
    return min(doubled, LONGEST_DELAY)


def _keys(account: str, address: str) -> list[tuple[str, str]]:
    keys = [("account", account)]
    if address:
        keys.append(("address", address))
    return keys


def check(uow: UnitOfWork, *, account: str, address: str, now: datetime) -> None:
    """Raise `SignInThrottled` if the account or the address is blocked at `now`."""
    until = uow.sign_in_failures.blocked_until(_keys(account, address), now)
    if until is not None:
        wait = max(1, math.ceil((until - now).total_seconds()))
        raise SignInThrottled(
            f"too many wrong passwords; try again in {wait} second{'s' if wait != 1 else ''}",
            retry_after=wait,
        )


def failed(uow: UnitOfWork, *, account: str, address: str, now: datetime) -> None:
    """Count one wrong password for the account and the address, blocking them as the counts say."""
    failures = uow.sign_in_failures
    for scope, key in _keys(account, address):
        count = failures.failed(scope, key, now, forget_before=now - FORGET_AFTER)
        delay = delay_after(count, scope)
        if delay:
            failures.block(scope, key, now + delay)


def succeeded(uow: UnitOfWork, *, account: str) -> None:
    """The right password: the account starts again with its free tries."""
    uow.sign_in_failures.forget("account", account)
