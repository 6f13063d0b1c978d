"""Every error ledgerlink raises on purpose, in one place.

    LedgerlinkError
    ├── ConfigurationError        a setting is missing or wrong; the message says which and what to do
    ├── RecordNotFound            a record, connection or company the caller named does not exist (for them)
    ├── LinkConflict              a record or a package object is already linked within the connection
    ├── StepNotReady              an onboarding step was entered before the steps it needs
    ├── NotReadyToSend            a record cannot be drafted: a mapping or a parent's link is missing
    └── PackageError              something a package said, or failed to say
        ├── RateLimited           the package asked us to slow down (retry after `retry_after` seconds)
        ├── AuthExpired           the access token was refused; refresh it once and retry once
        ├── ReconnectNeeded       only a person can fix access (invalid_grant, lapsed subscription)
        ├── Rejected              the package refused the data; terminal for the record, never retried blindly
        ├── NotFound              the package has no such object
        ├── FeatureUnavailable    the package's plan or region does not offer this operation
        ├── PackageUnavailable    the package could not be reached and nothing was applied; retry later
        └── UncertainOutcome      the request left and no answer came back: it may have been applied

The engine decides what to do from the type alone: a `Rejected` is the record's problem, a
`RateLimited` or `PackageUnavailable` the connection's, and an `UncertainOutcome` has its own path
(replay with the same idempotency key, then look up by natural key before creating anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


class LedgerlinkError(Exception):
    """The root of every error ledgerlink raises on purpose."""


class ConfigurationError(LedgerlinkError):
    """A setting is missing or wrong; the message says which one and what to do next."""


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


class PackageError(LedgerlinkError):
    """Something an accounting package said, or failed to say."""


RateLimitScope = Literal["minute", "day", "app", "concurrency"]


class RateLimited(PackageError):
    """The package refused the call for pace; `scope` says which limit, `retry_after` when to come back.

    A minute or concurrency limit slows the connection down; a daily limit pauses the connection until
    the package's day resets. Neither ever fails a record.
    """

    def __init__(self, message: str, *, retry_after: float, scope: RateLimitScope = "minute") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.scope: RateLimitScope = scope


class AuthExpired(PackageError):
    """The access token was refused. Refresh once (one refresh at a time per connection) and retry once."""


class ReconnectNeeded(PackageError):
    """The package will not accept this connection until a person signs in again (or renews a plan)."""


@dataclass(frozen=True)
class Problem:
    """One thing a package found wrong with a record, in its own words, and the field it names."""

    message: str
    field: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class Rejected(PackageError):
    """The package refused the data (422/400). Terminal for that record until the data changes."""

    def __init__(self, problems: Sequence[Problem], *, status: int | None = None) -> None:
        self.problems = tuple(problems) or (Problem("refused without a reason"),)
        self.status = status
        super().__init__("; ".join(str(problem) for problem in self.problems))


class NotFound(PackageError):
    """The package has no object with that id or natural key."""


class FeatureUnavailable(PackageError):
    """The package's plan, tier or region does not offer this operation; the user must act in the package."""


class PackageUnavailable(PackageError):
    """The package could not be reached or said so (before anything was applied); retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UncertainOutcome(PackageError):
    """A write left and no trustworthy answer came back: it may or may not have been applied.

    Never treated as "not sent": the same request is replayed with the same idempotency key, and where
    that cannot prove the outcome, the record is looked up by its natural key before anything is created.
    """
