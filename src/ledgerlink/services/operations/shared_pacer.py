"""A pacer whose budget lives in PostgreSQL, so every worker on every machine spends the same one.

Each limit a request counts against (the connection's minute, the connection's day, the app's minute
across all connections, and the minute of a kind of call the package limits on its own, such as a
batch endpoint's) is one row holding a theoretical arrival time (GCRA). Taking a slot locks the rows of
all the request's limits, picks the earliest moment every one of them allows, and moves each on by its
interval, in one short transaction on the database's clock: two workers can never both take the last
slot of a minute, and adding workers adds no requests. The caller then sleeps until its moment.

A limit's rate is set below the package's (HEADROOM) so that a sliding window on the package's side
never sees more than its limit, however the slots fall. A daily limit is a burst as large as the day:
only when it is spent does the pacer refuse at once (RateLimited, scope "day") rather than sleep.
Concurrency stays a local semaphore: the queue runs one job per connection at a time. The rows and
their short transactions are the store's (`store.pacer_budgets()`); the arithmetic is here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from ledgerlink.errors import RateLimited, RateLimitScope
from ledgerlink.packages.connection import LimitReport, Limits, Pacer
from ledgerlink.packages.registry import PackageEntry
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection
from ledgerlink.store.pacer_budgets import PacerBudgets

HEADROOM = 0.9
MINUTE = 60.0
DAY = 86400.0
BudgetKind = Literal["minute", "day", "app", "calls"]


@dataclass(frozen=True)
class Budget:
    """One limit: a slot every `interval` seconds, with `tolerance` seconds of burst allowed."""

    key: str
    kind: BudgetKind
    interval: float
    tolerance: float
    calls: str | None = None  # for a "calls" budget: the kind of call it limits; others limit every call


def budgets_for(
    limits: Limits, *, package: str, connection_key: str, time_scale: float = 1.0, headroom: float = HEADROOM
) -> list[Budget]:
    """The limits one connection's requests count against, as budget rows shared by every worker."""
    minute = MINUTE / time_scale
    burst = max(1, min(limits.concurrency, 3))
    interval = minute / (limits.requests_per_minute * headroom)
    budgets = [Budget(f"{package}:{connection_key}:minute", "minute", interval, (burst - 1) * interval)]
    if limits.requests_per_day:
        day = DAY / time_scale
        day_interval = day / (limits.requests_per_day * headroom)
        budgets.append(Budget(f"{package}:{connection_key}:day", "day", day_interval, day - day_interval))
    if limits.app_requests_per_minute:
        app_interval = minute / (limits.app_requests_per_minute * headroom)
        budgets.append(Budget(f"{package}:app:minute", "app", app_interval, 4 * app_interval))
    for calls, per_minute in sorted(limits.calls_per_minute.items()):
        calls_interval = minute / (per_minute * headroom)
        key = f"{package}:{connection_key}:calls:{calls}"
        budgets.append(Budget(key, "calls", calls_interval, (burst - 1) * calls_interval, calls=calls))
    return budgets


class SharedPacer:
    """The Pacer protocol on PostgreSQL rows; one per connection per process, sharing rows with all."""

    def __init__(
        self,
        shared: PacerBudgets,
        budgets: Sequence[Budget],
        *,
        concurrency: int,
        time_scale: float = 1.0,
    ) -> None:
        self.shared = shared
        self.budgets = {budget.key: budget for budget in budgets}
        self.time_scale = time_scale
        self._in_flight = asyncio.Semaphore(max(1, concurrency))
        self._ensured = False
        self.requests = 0
        self.waited = 0.0

    @classmethod
    def for_connection(
        cls, store: Store, limits: Limits, *, package: str, connection_id: int, time_scale: float = 1.0
    ) -> SharedPacer:
        budgets = budgets_for(
            limits, package=package, connection_key=f"connection-{connection_id}", time_scale=time_scale
        )
        return cls(store.pacer_budgets(), budgets, concurrency=limits.concurrency, time_scale=time_scale)

    # --- taking a slot -------------------------------------------------------------------------------

    def _reserve(self, kind: str | None) -> float:
        """Take the earliest slot every budget of this request allows; the seconds to wait for it."""
        if not self._ensured:
            self.shared.ensure(list(self.budgets))
            self._ensured = True
        keys = [key for key, budget in self.budgets.items() if budget.calls in (None, kind)]
        with self.shared.locked(keys) as held:
            at, binding = held.now, None
            for key, tat in held.tats.items():
                budget = self.budgets[key]
                earliest = tat - budget.tolerance
                if earliest > at:
                    at, binding = earliest, budget
            wait = at - held.now
            if binding is not None and binding.kind == "day" and wait > self._longest_sleep():
                raise RateLimited(
                    "the package's daily limit is used up", retry_after=wait, scope="day"
                )  # leaving the block by an exception writes nothing: no budget spent
            held.move({key: max(tat, at) + self.budgets[key].interval for key, tat in held.tats.items()})
        return wait

    def paced_per_second(self, kind: str | None = None) -> float | None:
        """Requests a (real) second the minute budget lets go (of a `kind` with a budget of its own, that
        budget): what a wait estimate divides by."""
        if kind is not None:
            own = [
                budget for budget in self.budgets.values() if budget.kind == "calls" and budget.calls == kind
            ]
        else:
            own = [budget for budget in self.budgets.values() if budget.kind == "minute"]
        return 1.0 / own[0].interval if own else None

    def seconds_for(self, calls: int) -> float | None:
        """Seconds `calls` more requests take at the minute budget's even pace."""
        rate = self.paced_per_second()
        return None if rate is None else max(calls - 1, 0) / rate

    def _longest_sleep(self) -> float:
        return 2 * MINUTE / self.time_scale

    @asynccontextmanager
    async def slot(self, kind: str | None = None) -> AsyncIterator[None]:
        async with self._in_flight:
            wait = await asyncio.to_thread(self._reserve, kind)
            self.requests += 1
            if wait > 0:
                self.waited += wait
                await asyncio.sleep(wait)
            yield

    # --- what the package said -----------------------------------------------------------------------

    def _push(self, kind: BudgetKind, seconds: float) -> None:
        """No slot of this kind before `seconds` from now, for every worker."""
        targets = [budget for budget in self.budgets.values() if budget.kind == kind]
        if not targets:
            return
        self.shared.push({budget.key: seconds + budget.tolerance for budget in targets})

    def observe(self, report: LimitReport) -> None:
        quarter = MINUTE / self.time_scale / 4
        if report.minute_remaining is not None and report.minute_remaining <= 1:
            self._push("minute", quarter)
        if report.app_minute_remaining is not None and report.app_minute_remaining <= 1:
            self._push("app", quarter)
        if report.day_remaining is not None and report.day_remaining <= 0:
            self._push("day", 3600.0 / self.time_scale)

    def slow_down(self, retry_after: float, scope: RateLimitScope) -> None:
        kind: BudgetKind = "day" if scope == "day" else "app" if scope == "app" else "minute"
        self._push(kind, retry_after)


PacerFactory = Callable[[Connection, PackageEntry], Pacer]


def shared_pacers(store: Store, *, time_scale: float = 1.0) -> PacerFactory:
    """A ConnectorFactory pacer_factory whose budgets every worker on this database spends together.

    `time_scale` runs each package's minute and day faster, for sandboxes whose windows are scaled.
    """

    def make(connection: Connection, entry: PackageEntry) -> Pacer:
        return SharedPacer.for_connection(
            store,
            entry.limits,
            package=connection.package,
            connection_id=connection.id,
            time_scale=time_scale,
        )

    return make
