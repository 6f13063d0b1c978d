"""Keeping one connection just under its package's limits.

The engine gives every connector a pacer; the connector's HTTP layer asks it for a slot before each
request and tells it what the package's headers said. This one lives in one process; a pacer shared by
many workers implements the same protocol on the database.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext

from ledgerlink.errors import RateLimited, RateLimitScope
from ledgerlink.packages.connection import LimitReport, Limits

Clock = Callable[[], float]
MINUTE = 60.0


class LocalPacer:
    """The package's own rule, kept on our side: never more than its limit in any minute.

    Packages count requests in a sliding minute (say 60 in any 60 seconds), by when each arrived.
    We cannot see arrivals, only that a request arrived after we let it go and before its reply came
    back; so the pacer counts a request in flight as in the minute, and a finished one until a minute
    (plus `margin` seconds) after its reply, and lets one more go only while fewer than the limit, less
    one, are counted. However late the event loop, the network or the package got a request through,
    the package's count can then never reach the limit; and since the rule is the package's window and
    not an even spacing, time the engine spent elsewhere (drafting, recording outcomes, waiting for a
    tier to finish) is made up at once instead of being lost: a send runs at the package's limit, less
    what a reply takes. `burst` adds an even spacing on top (at most `burst` requests back to back), for
    callers that want a smooth pace. A kind of call the package limits on its own (its batch endpoint,
    say) keeps its own window by the same rule, and a request of that kind waits for both.

    A 429 halves the budget, and each quiet second after it wins a little back, so a connection settles
    just under whatever the package really allows. The package's "remaining" headers are heeded only
    when our own count cannot explain them (other workers or apps spending the same budget): then the
    pacer sits out a share of the window rather than earn a 429. `time_scale` runs a package's minute
    faster, for sandboxes whose limits are scaled down in time.
    """

    def __init__(
        self,
        limits: Limits,
        *,
        time_scale: float = 1.0,
        clock: Clock = time.monotonic,
        burst: int | None = None,
        margin: float = 0.01,
    ) -> None:
        self.limits = limits
        self.time_scale = time_scale
        self._clock = clock
        self._window = MINUTE / time_scale + margin
        self._budget = float(max(1, limits.requests_per_minute - 1))
        self._factor = 1.0  # below 1 after a 429, back to 1 over quiet seconds
        self._factor_updated = clock()
        self._burst = burst
        self._interval = MINUTE / time_scale / max(1, limits.requests_per_minute)
        self._next_even = 0.0
        self._finished: deque[float] = deque()  # when recent replies came back, oldest first
        self._flying = 0
        self._landed = asyncio.Event()
        self._not_before = 0.0
        self._lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(limits.concurrency)
        self._day_exhausted_until = 0.0
        self._kinds = {
            kind: LocalPacer(
                Limits(requests_per_minute=per_minute, concurrency=limits.concurrency),
                time_scale=time_scale,
                clock=clock,
                margin=margin,
            )
            for kind, per_minute in limits.calls_per_minute.items()
        }
        self.requests = 0
        self.waited = 0.0

    @property
    def rate_per_minute(self) -> float:
        """The pace the pacer allows now, as requests a (package) minute."""
        return self.limits.requests_per_minute * self._factor

    def _recover(self, now: float) -> None:
        if self._factor < 1.0:  # win back 5% of the budget for each quiet (scaled) second
            elapsed = max(now - self._factor_updated, 0.0) * self.time_scale
            self._factor = min(1.0, self._factor * (1 + 0.05 * elapsed))
        self._factor_updated = now

    def _counted(self, now: float) -> int:
        while self._finished and self._finished[0] <= now - self._window:
            self._finished.popleft()
        return self._flying + len(self._finished)

    def _wait(self, now: float) -> float | None:
        """Seconds until one more request keeps every window within the budget (0: it may go now;
        None: not before a request in flight comes back)."""
        waits = [self._not_before - now]
        excess = self._counted(now) - max(1, int(self._budget * self._factor)) + 1
        if excess > len(self._finished):
            return None
        if excess > 0:
            waits.append(self._finished[excess - 1] + self._window - now)
        if self._burst is not None or self._factor < 1.0:
            interval = self._interval / self._factor
            waits.append(self._next_even - (self._burst or 1) * interval - now + interval)
        return max(max(waits), 0.0)

    async def _take(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                if now < self._day_exhausted_until:
                    raise RateLimited(
                        "the package's daily limit is used up",
                        retry_after=self._day_exhausted_until - now,
                        scope="day",
                    )
                self._recover(now)
                wait = self._wait(now)
                if wait is None:
                    self._landed.clear()
                    await self._landed.wait()
                    continue
                if wait <= 0.0:
                    self._flying += 1
                    interval = self._interval / self._factor
                    self._next_even = max(self._next_even, now) + interval
                    self.requests += 1
                    return
                self.waited += wait
                await asyncio.sleep(wait)

    def _land(self) -> None:
        self._flying -= 1
        self._finished.append(self._clock())
        self._landed.set()

    @asynccontextmanager
    async def slot(self, kind: str | None = None) -> AsyncIterator[None]:
        own = self._kinds.get(kind) if kind is not None else None
        async with own.slot() if own is not None else nullcontext(), self._in_flight:
            await self._take()
            try:
                yield
            finally:
                self._land()

    def observe(self, report: LimitReport) -> None:
        now = self._clock()
        spent = report.minute_remaining is not None and report.minute_remaining <= 1
        if spent and self._counted(now) < self._budget * self._factor - 1:
            # The package's count says the minute is spent and ours does not (other workers, other
            # apps): sit out a share of the window rather than earn a 429.
            self._not_before = max(self._not_before, now + MINUTE / self.time_scale / 4)
        if report.day_remaining is not None and report.day_remaining <= 0:
            self._day_exhausted_until = max(self._day_exhausted_until, now + 3600.0 / self.time_scale)

    def paced_per_second(self, kind: str | None = None) -> float | None:
        """Requests a (real) second the pacer lets go at the package's limit, on average; of a `kind`
        with a budget of its own, at that budget's."""
        if kind is not None:
            own = self._kinds.get(kind)
            return own.paced_per_second() if own is not None else None
        return self._budget * self._factor / self._window

    def seconds_for(self, calls: int) -> float | None:
        """Seconds from now until `calls` more requests will have been let go, at the package's limit.

        The window is the package's rule, so the pace is a staircase, not a slope: what the window has
        room for goes at once, and each request after that goes a window after the one a budget before
        it. The last of `calls` therefore goes at `base + (calls - 1) // budget` windows, where `base`
        is when its place in the first window frees.
        """
        if calls <= 0:
            return 0.0
        now = self._clock()
        budget = max(1, int(self._budget * self._factor))
        recent = [finished for finished in self._finished if finished > now - self._window]
        counted = sorted(recent + [now] * self._flying)[-budget:]
        free = budget - len(counted)
        index = (calls - 1) % budget
        base = now if index < free else max(now, counted[index - free] + self._window)
        return base - now + ((calls - 1) // budget) * self._window

    def slow_down(self, retry_after: float, scope: RateLimitScope) -> None:
        now = self._clock()
        if scope == "day":
            self._day_exhausted_until = max(self._day_exhausted_until, now + retry_after)
            return
        self._not_before = max(self._not_before, now + retry_after)
        self._recover(now)
        self._factor = max(1 / 16, self._factor / 2)
        self._next_even = now


class UnlimitedPacer:
    """For an in-process sandbox with no limits, where pacing would only measure itself."""

    requests = 0

    @asynccontextmanager
    async def slot(self, kind: str | None = None) -> AsyncIterator[None]:
        self.requests += 1
        yield

    def observe(self, report: LimitReport) -> None:
        return None

    def slow_down(self, retry_after: float, scope: RateLimitScope) -> None:
        return None

    def paced_per_second(self, kind: str | None = None) -> float | None:
        return None  # no limit sets the pace: there is nothing to wait for

    def seconds_for(self, calls: int) -> float | None:
        return None
