"""Time as a sandbox sees it: the wall clock, or one a test moves by hand."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]  # seconds since the epoch


class ManualClock:
    """A clock that stands still until a test moves it, so expiry can be tested without waiting."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
