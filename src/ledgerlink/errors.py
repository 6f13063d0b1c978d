"""Every error ledgerlink raises on purpose, in one place.

    LedgerlinkError
    ├── ConfigurationError        a setting is missing or wrong; the message says which and what to do
    ├── RecordNotFound            a record, connection or company the caller named does not exist (for them)
    ├── LinkConflict              a record or a package object is already linked within the connection
    ├── ConcurrentWrite           another transaction stored the same new row first; try the unit of work again
    ├── StepNotReady              an onboarding step was entered before the steps it needs
    ├── NotReadyToSend            a record cannot be drafted: a mapping or a parent's link is missing
    ├── UnreadableFile            a file is not text in the encoding found or named; says the line and what to do
    ├── IllegalTransition         an outbox entry was asked to move where the outbox's rules forbid
    ├── SendInProgress            a send for the connection is running already; the error names it
    └── PackageError              something a package said, or failed to say
        ├── RateLimited           the package asked us to slow down (retry after `retry_after` seconds)
        ├── AuthExpired           the access token was refused; refresh it once and retry once
        ├── ReconnectNeeded       only a person can fix access (invalid_grant, lapsed subscription)
        ├── Rejected              the package refused the data; terminal for the record, never retried blindly
        ├── NotFound              the package has no such object
        ├── PartlyApplied         the package holds part of what one record became, not all: a person decides
        ├── FeatureUnavailable    the package's plan or region does not offer this operation
        ├── PackageUnavailable    the package could not be reached and nothing was applied; retry later
        └── UncertainOutcome      the request left and no answer came back: it may have been applied

Each package error says, in one place (its `effect`, below), what it means for the work, and the engine
and the worker act on that alone:

    RECORD      terminal for the record: Rejected, NotFound, PartlyApplied, FeatureUnavailable; it fails
                with the reason
    RECONNECT   terminal for the connection: ReconnectNeeded, AuthExpired; it stops until a person
                signs in again, and nothing fails
    PASSING     transient: RateLimited, PackageUnavailable; nothing was applied, the work goes again later
    UNKNOWN     the request may have been applied: UncertainOutcome (replay with the same idempotency key,
                then look up by natural key before creating anything), and any package error not typed
                more closely, which also stops the connection's send for now: nothing fails, and the next
                send settles its records the same way
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal


class LedgerlinkError(Exception):
    """The root of every error ledgerlink raises on purpose."""


class ConfigurationError(LedgerlinkError):
    """A setting is missing or wrong; the message says which one and what to do next."""


class ConcurrentWrite(LedgerlinkError):
    """Another transaction stored the same new row first (a unique key broke); nothing of this one was
    kept. Running the unit of work again finds what the other stored."""


class RecordNotFound(LedgerlinkError):
    """The record, connection or company named does not exist, or is not the caller's to see."""


class LinkConflict(LedgerlinkError):
    """A second link was attempted for a record or a package object; the message names both sides."""


class StepNotReady(LedgerlinkError):
    """An onboarding step was entered before the steps it needs; `missing` names them."""

    def __init__(self, message: str, *, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


class NotReadyToSend(LedgerlinkError):
    """A record cannot be put into package terms yet: a mapping is missing or gone, or a parent unsent.

    `field` names what is missing (e.g. "line 2 nominal 4010"), so the entry can say it plainly.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class UnreadableFile(LedgerlinkError):
    """A file's bytes are not text in the encoding found (or named): the whole file is refused.

    `line` is where the first bad byte is (0 when the problem is not on a line, e.g. an unknown
    encoding); `reason` says what is wrong and what to do, without the line.
    """

    def __init__(self, reason: str, *, line: int = 0) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


class IllegalTransition(LedgerlinkError):
    """An outbox entry was asked to move from its state to one the outbox's rules do not allow.

    Raised by the entry itself, and by the store when a change made in bulk would break the rule; the
    transaction that asked is not to be committed. `entry` names the entry, `state` is where it stands
    and `to` where it was asked to go.
    """

    def __init__(self, entry: str, state: str, to: str) -> None:
        super().__init__(f"{entry} is {state.replace('_', '-')} and cannot move to {to.replace('_', '-')}")
        self.entry = entry
        self.state = state
        self.to = to


class Effect(StrEnum):
    """What a package error means for the work: which of a record, the connection or neither it stops."""

    RECORD = "record"  # the package refused this record: it fails, and is never retried as it is
    RECONNECT = "reconnect"  # only a person can fix access: the connection stops, no record fails
    PASSING = "passing"  # nothing was applied and it will pass: the same work goes again later
    UNKNOWN = "unknown"  # it may have been applied: replayed under the same key, or looked up, later


class SendInProgress(LedgerlinkError):
    """A send for this connection is running already (one at a time, whoever starts it): that one sends
    what is waiting. `started_by` and `started_at` say which it is."""

    def __init__(self, started_by: str, started_at: datetime) -> None:
        super().__init__(
            f"a send for this connection is already running, started by {started_by} at "
            f"{started_at:%Y-%m-%d %H:%M:%S} UTC: it sends what is waiting"
        )
        self.started_by = started_by
        self.started_at = started_at


class PackageError(LedgerlinkError):
    """Something an accounting package said, or failed to say.

    A bare PackageError (or a subclass that does not say otherwise) is an answer nobody foresaw: its
    effect is UNKNOWN, the safe reading, so it fails nothing and leaves nothing on its way.
    """

    effect: ClassVar[Effect] = Effect.UNKNOWN


def effect_of(error: BaseException) -> Effect:
    """The effect of any error a connector raised; one that is not a package error is UNKNOWN too."""
    return error.effect if isinstance(error, PackageError) else Effect.UNKNOWN


RateLimitScope = Literal["minute", "day", "app", "concurrency"]


class RateLimited(PackageError):
    """The package refused the call for pace; `scope` says which limit, `retry_after` when to come back.

    A minute or concurrency limit slows the connection down; a daily limit pauses the connection until
    the package's day resets. Neither ever fails a record.
    """

    effect: ClassVar[Effect] = Effect.PASSING

    def __init__(self, message: str, *, retry_after: float, scope: RateLimitScope = "minute") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.scope: RateLimitScope = scope


class AuthExpired(PackageError):
    """The access token was refused. Refresh once (one refresh at a time per connection) and retry once."""

    effect: ClassVar[Effect] = Effect.RECONNECT


class ReconnectNeeded(PackageError):
    """The package will not accept this connection until a person signs in again (or renews a plan)."""

    effect: ClassVar[Effect] = Effect.RECONNECT


@dataclass(frozen=True)
class Problem:
    """One thing a package found wrong with a record, in its own words, and the field it names."""

    message: str
    field: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class Rejected(PackageError):
    """The package refused the data (422/400). Terminal for that record until the data changes."""

    effect: ClassVar[Effect] = Effect.RECORD

    def __init__(self, problems: Sequence[Problem], *, status: int | None = None) -> None:
        self.problems = tuple(problems) or (Problem("refused without a reason"),)
        self.status = status
        super().__init__("; ".join(str(problem) for problem in self.problems))


class NotFound(PackageError):
    """The package has no object with that id or natural key."""

    effect: ClassVar[Effect] = Effect.RECORD


class PartlyApplied(PackageError):
    """A look-up found some of the objects one record becomes in the package and not the others (a payment
    the package keeps as one object per document settled). Sending it again would repeat what is there;
    linking it would leave the rest unsent: which is right is a person's call, so the record fails, with
    a message naming what the package holds and what it does not."""

    effect: ClassVar[Effect] = Effect.RECORD


class FeatureUnavailable(PackageError):
    """The package's plan, tier or region does not offer this operation; the user must act in the package."""

    effect: ClassVar[Effect] = Effect.RECORD


class PackageUnavailable(PackageError):
    """The package could not be reached or said so (before anything was applied); retry later."""

    effect: ClassVar[Effect] = Effect.PASSING

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UncertainOutcome(PackageError):
    """A write left and no trustworthy answer came back: it may or may not have been applied.

    Never treated as "not sent": the same request is replayed with the same idempotency key, and where
    that cannot prove the outcome, the record is looked up by its natural key before anything is created.
    """

    effect: ClassVar[Effect] = Effect.UNKNOWN
