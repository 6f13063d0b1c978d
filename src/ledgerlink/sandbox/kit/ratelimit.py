"""Per-key request budgets: sliding minute and day windows plus a count of requests in flight."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from ledgerlink.sandbox.kit.clock import Clock

LimitScope = Literal["minute", "day", "concurrency"]


@dataclass(frozen=True)
class RateLimitConfig:
    per_minute: int | None = 200
    per_day: int | None = None
    concurrency: int | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go ahead, what is left afterwards, and when to come back if not."""

    allowed: bool
    minute_remaining: int | None
    day_remaining: int | None
    retry_after: float = 0.0
    scope: LimitScope | None = None


class _Windows:
    __slots__ = ("day", "in_flight", "minute")

    def __init__(self) -> None:
        self.minute: deque[float] = deque()
        self.day: deque[float] = deque()
        self.in_flight = 0


class SlidingWindowLimiter:
    """Counts requests per key (a business, an app) in sliding windows; refusals are not counted."""

    def __init__(self, config: RateLimitConfig | None = None, *, clock: Clock = time.time) -> None:
        self.config = config or RateLimitConfig()
        self._clock = clock
        self._keys: dict[str, _Windows] = {}

    def reset(self) -> None:
        self._keys.clear()

    def _windows(self, key: str) -> _Windows:
        windows = self._keys.get(key)
        if windows is None:
            windows = self._keys[key] = _Windows()
        return windows

    @staticmethod
    def _trim(window: deque[float], now: float, span: float) -> None:
        while window and window[0] <= now - span:
            window.popleft()

    def check(self, key: str) -> Verdict:
        """Count one request for `key` if the budget allows it."""
        now = self._clock()
        windows = self._windows(key)
        config = self.config
        self._trim(windows.minute, now, 60.0)
        self._trim(windows.day, now, 86400.0)

        def remaining(limit: int | None, window: deque[float]) -> int | None:
            return None if limit is None else max(limit - len(window), 0)

        if config.per_day is not None and len(windows.day) >= config.per_day:
            retry = windows.day[0] + 86400.0 - now
            return Verdict(False, remaining(config.per_minute, windows.minute), 0, retry, "day")
        if config.per_minute is not None and len(windows.minute) >= config.per_minute:
            retry = windows.minute[0] + 60.0 - now
            return Verdict(False, 0, remaining(config.per_day, windows.day), retry, "minute")
        if config.concurrency is not None and windows.in_flight >= config.concurrency:
            return Verdict(
                False,
                remaining(config.per_minute, windows.minute),
                remaining(config.per_day, windows.day),
                1.0,
                "concurrency",
            )
        if config.per_minute is not None:
            windows.minute.append(now)
        if config.per_day is not None:
            windows.day.append(now)
        return Verdict(
            True, remaining(config.per_minute, windows.minute), remaining(config.per_day, windows.day)
        )

    @contextmanager
    def in_flight(self, key: str) -> Iterator[None]:
        """Hold one of `key`'s concurrency slots while a request runs."""
        windows = self._windows(key)
        windows.in_flight += 1
        try:
            yield
        finally:
            windows.in_flight -= 1
