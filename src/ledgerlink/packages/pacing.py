"""Keeping one connection just under its package's limits.

The engine gives every connector a pacer; the connector's HTTP layer asks it for a slot before each
request and tells it what the package's headers said. This one lives in one process; a pacer shared by
many workers implements the same protocol on the database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from ledgerlink.errors import RateLimited, RateLimitScope
from ledgerlink.packages.base import LimitReport, Limits

Clock = Callable[[], float]


class LocalPacer:
    """A token bucket at the package's per-minute rate plus a concurrency limit.

    A 429 halves the rate, and each quiet minute after it wins a little back, so a connection settles
    just under whatever the package really allows. `time_scale` runs a package's minute faster, for
    sandboxes whose limits are scaled down in time.
    """

    def __init__(
        self,
        limits: Limits,
        *,
        time_scale: float = 1.0,
        clock: Clock = time.monotonic,
        burst: int | None = None,
    ) -> None:
        self.limits = limits
        self.time_scale = time_scale
        self._clock = clock
        self._base_rate = limits.requests_per_minute * time_scale / 60.0  # requests a second
        self._rate = self._base_rate
        self._capacity = float(burst if burst is not None else max(1, min(limits.concurrency, 5)))
        self._tokens = self._capacity
        self._updated = clock()
        self._not_before = 0.0
        self._lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(limits.concurrency)
        self._day_exhausted_until = 0.0
        self.requests = 0
        self.waited = 0.0

    @property
    def rate_per_minute(self) -> float:
        return self._rate * 60.0 / self.time_scale

    def _refill(self, now: float) -> None:
        elapsed = max(now - self._updated, 0.0)
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        self._updated = now
        if self._rate < self._base_rate:  # win back 5% of the rate for each quiet (scaled) second
            self._rate = min(self._base_rate, self._rate * (1 + 0.05 * elapsed * self.time_scale))

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
                self._refill(now)
                wait = max(self._not_before - now, 0.0)
                if wait == 0.0 and self._tokens >= 1.0:
                    self._tokens -= 1.0
                    self.requests += 1
                    return
                if wait == 0.0:
                    wait = (1.0 - self._tokens) / self._rate
                self.waited += wait
                await asyncio.sleep(wait)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._in_flight:
            await self._take()
            yield

    def observe(self, report: LimitReport) -> None:
        now = self._clock()
        if report.minute_remaining is not None and report.minute_remaining <= 1:
            # The package's own count says the minute is spent (other workers, other apps): sit out a
            # share of the window rather than earn a 429.
            self._not_before = max(self._not_before, now + 60.0 / self.time_scale / 4)
        if report.day_remaining is not None and report.day_remaining <= 0:
            self._day_exhausted_until = max(self._day_exhausted_until, now + 3600.0 / self.time_scale)

    def slow_down(self, retry_after: float, scope: RateLimitScope) -> None:
        now = self._clock()
        if scope == "day":
            self._day_exhausted_until = max(self._day_exhausted_until, now + retry_after)
            return
        self._not_before = max(self._not_before, now + retry_after)
        self._rate = max(self._base_rate / 16, self._rate / 2)
        self._tokens = 0.0
        self._updated = now


class UnlimitedPacer:
    """For an in-process sandbox with no limits, where pacing would only measure itself."""

    requests = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.requests += 1
        yield

    def observe(self, report: LimitReport) -> None:
        return None

    def slow_down(self, retry_after: float, scope: RateLimitScope) -> None:
        return None
