"""The pacer keeps a connection under its package's limits and slows down when told to."""

from __future__ import annotations

import asyncio
import time

import pytest

from ledgerlink.errors import RateLimited
from ledgerlink.packages.connection import LimitReport, Limits
from ledgerlink.packages.pacing import LocalPacer


async def _run(pacer: LocalPacer, count: int) -> float:
    started = time.monotonic()

    async def one() -> None:
        async with pacer.slot():
            await asyncio.sleep(0)

    await asyncio.gather(*(one() for _ in range(count)))
    return time.monotonic() - started


async def test_requests_are_spread_at_the_packages_rate() -> None:
    pacer = LocalPacer(Limits(requests_per_minute=1200, concurrency=2), burst=1)  # 20 a second
    elapsed = await _run(pacer, 11)
    assert elapsed >= 0.45  # ten gaps of 50 ms after the first request
    assert pacer.requests == 11


async def test_a_rate_limit_halves_the_pace_and_holds_until_retry_after() -> None:
    pacer = LocalPacer(Limits(requests_per_minute=6000, concurrency=1), burst=1)
    pacer.slow_down(0.2, "minute")
    assert pacer.rate_per_minute == pytest.approx(3000)
    elapsed = await _run(pacer, 1)
    assert elapsed >= 0.19


async def test_no_more_requests_leave_once_the_daily_budget_is_spent() -> None:
    pacer = LocalPacer(Limits(requests_per_minute=60, concurrency=1, requests_per_day=5000))
    pacer.observe(LimitReport(day_remaining=0))
    with pytest.raises(RateLimited) as caught:
        async with pacer.slot():
            pass
    assert caught.value.scope == "day"


async def test_time_scale_runs_a_package_minute_faster() -> None:
    pacer = LocalPacer(Limits(requests_per_minute=60, concurrency=1), time_scale=20.0, burst=1)  # 20/s
    elapsed = await _run(pacer, 5)
    assert 0.18 <= elapsed < 1.0


async def test_the_time_calls_take_is_the_window_s_staircase() -> None:
    now = [100.0]
    pacer = LocalPacer(Limits(requests_per_minute=11, concurrency=10), clock=lambda: now[0], margin=0.0)
    for _ in range(10):  # the budget (limit less one) goes at once
        async with pacer.slot():
            pass
    now[0] = 110.0

    assert pacer.seconds_for(0) == 0.0
    assert pacer.seconds_for(1) == pytest.approx(50.0)  # when the first of the ten leaves the window
    assert pacer.seconds_for(10) == pytest.approx(50.0)
    assert pacer.seconds_for(11) == pytest.approx(110.0)  # a window later again
    now[0] = 161.0
    assert pacer.seconds_for(25) == pytest.approx(120.0)  # ten now, ten a minute on, five two minutes on


async def test_a_kind_of_call_limited_on_its_own_keeps_its_own_window_and_others_go_freely() -> None:
    limits = Limits(requests_per_minute=6000, concurrency=10, calls_per_minute={"batch": 4})
    pacer = LocalPacer(limits, time_scale=60.0)  # a package minute lasts a second
    started = time.monotonic()
    batches: list[float] = []
    others: list[float] = []

    async def one(kind: str | None, times: list[float]) -> None:
        async with pacer.slot(kind):
            times.append(time.monotonic() - started)

    await asyncio.gather(*(one("batch", batches) for _ in range(4)), *(one(None, others) for _ in range(20)))

    assert sorted(batches)[2] < 0.3  # the batch budget (its limit less one) goes at once
    assert sorted(batches)[3] >= 0.95  # the fourth waits for the first to leave the package's minute
    assert max(others) < 0.3  # every other request spends only the connection's budget
    assert pacer.requests == 24


def test_the_pace_of_a_kind_limited_on_its_own_is_its_own_budget_s() -> None:
    pacer = LocalPacer(Limits(requests_per_minute=500, concurrency=10, calls_per_minute={"batch": 40}))

    assert pacer.paced_per_second("batch") == pytest.approx(39 / 60, rel=0.01)
    assert pacer.paced_per_second() == pytest.approx(499 / 60, rel=0.01)
    assert pacer.paced_per_second("other") is None
