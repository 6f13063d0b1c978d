"""Waiting said plainly: what a send waits for, and about how long it has left.

A first send of two years' books is paced by the package's limits, not by ledgerlink: a minute's
limit (a few hundred requests, or a few dozen) sets the pace of a long send, and a day's limit (a few
thousand requests) can stop it until the package's day turns. The estimate counts the calls still to make the
way the engine makes them (as many records a call as the package takes, one call an allocation) and
divides by the pace the connection's pacer keeps; `benchmarks/wait_estimates.py` holds it to the
sandboxes' limits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ledgerlink.domain.outbox import Step
from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.connection import Limits
from ledgerlink.packages.drafts import DocumentType

SENT_AS: dict[tuple[RecordKind, Step], DocumentType] = {
    (RecordKind.CUSTOMER, Step.CREATE): DocumentType.CONTACT,
    (RecordKind.SUPPLIER, Step.CREATE): DocumentType.CONTACT,
    (RecordKind.INVOICE, Step.CREATE): DocumentType.SALES_INVOICE,
    (RecordKind.CREDIT_NOTE, Step.CREATE): DocumentType.SALES_CREDIT_NOTE,
    (RecordKind.CREDIT_NOTE, Step.ALLOCATE): DocumentType.CREDIT_ALLOCATION,
    (RecordKind.CUSTOMER_PAYMENT, Step.CREATE): DocumentType.CUSTOMER_RECEIPT,
    (RecordKind.SUPPLIER_INVOICE, Step.CREATE): DocumentType.PURCHASE_INVOICE,
    (RecordKind.SUPPLIER_CREDIT_NOTE, Step.CREATE): DocumentType.PURCHASE_CREDIT_NOTE,
    (RecordKind.SUPPLIER_CREDIT_NOTE, Step.ALLOCATE): DocumentType.CREDIT_ALLOCATION,
    (RecordKind.SUPPLIER_PAYMENT, Step.CREATE): DocumentType.SUPPLIER_PAYMENT,
}


def calls_needed(limits: Limits, left: Mapping[tuple[RecordKind, Step], int]) -> int:
    """The calls sending these entries takes, as many records a call as the package takes."""
    return sum(calls_by_kind(limits, left).values())


def calls_by_kind(limits: Limits, left: Mapping[tuple[RecordKind, Step], int]) -> dict[str | None, int]:
    """The same calls by the kind they go as (`Limits.call_kinds`; None: a plain request), so a kind the
    package limits on its own can be held to its own budget."""
    calls: dict[str | None, int] = {}
    for key, count in left.items():
        if count:
            sent_as = SENT_AS.get(key, DocumentType.CONTACT)
            kind = limits.call_kinds.get(sent_as)
            calls[kind] = calls.get(kind, 0) + math.ceil(count / max(1, limits.batch_size(sent_as)))
    return calls


def in_words(seconds: float) -> str:
    """ "about 3 minutes", "about 1 hour 10 minutes", "under a minute"."""
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    rest = f" {minutes} minute{'s' if minutes != 1 else ''}" if minutes else ""
    return f"about {hours} hour{'s' if hours != 1 else ''}{rest}"


@dataclass(frozen=True)
class Waiting:
    """What a running send waits for, in words, with the estimate it rests on."""

    message: str
    seconds_left: float
    calls_left: int


def waiting(
    label: str,
    limits: Limits,
    *,
    calls_left: int,
    per_second: float | None,
    time_scale: float = 1.0,
    seconds: float | None = None,
    kinds_left: Mapping[str, tuple[int, float | None]] | None = None,
) -> Waiting | None:
    """What the send waits for while the package's limits set its pace (None: nothing to say, the
    rest goes within a minute's budget, or no limit sets the pace). `per_second` is the pacer's pace
    in real seconds, and what is said is real time; `time_scale` runs a sandbox's minute faster;
    `seconds`, the pacer's own reckoning of the time those calls take, where it has one. `kinds_left`
    holds, for each kind of call the package limits on its own, the calls of that kind still to make
    and the pacer's pace for them: whichever budget takes longest sets the time left."""
    if per_second is None or per_second <= 0 or calls_left <= 0:
        return None
    if seconds is None:  # the pacer's own account of its window, where it has one, is better
        seconds = calls_left / per_second
    minute_budget = per_second * 60 / time_scale
    said = f"{label} allows {limits.requests_per_minute} requests a minute"
    paced = calls_left >= minute_budget
    for kind, (calls, kind_per_second) in sorted((kinds_left or {}).items()):
        if not calls or not kind_per_second or kind not in limits.calls_per_minute:
            continue
        kind_seconds = calls / kind_per_second
        if calls >= kind_per_second * 60 / time_scale and (not paced or kind_seconds > seconds):
            seconds, paced = kind_seconds, True
            said = f"{label} allows {limits.calls_per_minute[kind]} {kind} calls a minute"
    if not paced:
        return None
    message = f"{said}: {in_words(seconds)} left"
    if limits.requests_per_day and calls_left > limits.requests_per_day:
        days = math.ceil(calls_left / limits.requests_per_day)
        message += (
            f"; {label} allows {limits.requests_per_day:,} requests a day, so the send stops when the day's "
            f"are used and goes on when {label}'s day turns ({days} days in all)"
        )
    return Waiting(message, seconds, calls_left)


def daily_limit_used(label: str, retry_after: float, records_left: int) -> str:
    """Said when the package's daily limit stopped the send (`retry_after`: real seconds)."""
    return (
        f"{label}'s daily limit is used: the send goes on in {in_words(retry_after)}"
        f" when {label}'s day turns, about {records_left:,} records left"
    )
