"""The budget every worker spends together: two pacers on one connection go no faster than one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from ledgerlink.errors import RateLimited
from ledgerlink.packages.connection import Limits
from ledgerlink.services.operations.shared_pacer import HEADROOM, SharedPacer
from ledgerlink.store import Store

pytestmark = pytest.mark.postgres

TIME_SCALE = 20.0


@pytest.fixture
def store(pg_url: str) -> Iterator[Store]:
    store = Store.open(pg_url)
    yield store
    store.close()


async def take(pacer: SharedPacer, count: int, times: list[float]) -> None:
    for _ in range(count):
        async with pacer.slot():
            times.append(time.monotonic())


async def test_two_workers_pacing_one_connection_share_its_minute(store: Store) -> None:
    limits = Limits(requests_per_minute=600, concurrency=1)
    first, second = (
        SharedPacer.for_connection(store, limits, package="sage", connection_id=7, time_scale=TIME_SCALE)
        for _ in range(2)
    )
    times: list[float] = []
    started = time.monotonic()

    await asyncio.gather(take(first, 30, times), take(second, 30, times))

    interval = 60.0 / TIME_SCALE / (limits.requests_per_minute * HEADROOM)
    assert time.monotonic() - started >= 59 * interval * 0.95  # one budget: apart, they would take half
    assert len(times) == 60


async def test_another_connection_keeps_its_own_budget(store: Store) -> None:
    limits = Limits(requests_per_minute=60, concurrency=1)
    busy = SharedPacer.for_connection(store, limits, package="xero", connection_id=1, time_scale=TIME_SCALE)
    quiet = SharedPacer.for_connection(store, limits, package="xero", connection_id=2, time_scale=TIME_SCALE)
    await take(busy, 5, [])
    started = time.monotonic()

    await take(quiet, 1, [])

    assert time.monotonic() - started < 0.5


async def test_a_spent_daily_limit_refuses_at_once_and_for_every_worker(store: Store) -> None:
    limits = Limits(requests_per_minute=6000, concurrency=1, requests_per_day=9)
    one, other = (
        SharedPacer.for_connection(store, limits, package="xero", connection_id=3, time_scale=TIME_SCALE)
        for _ in range(2)
    )
    await take(one, 4, [])
    await take(other, 4, [])  # 9 a day at 90%: 8 slots

    for pacer in (one, other):
        started = time.monotonic()
        with pytest.raises(RateLimited) as refused:
            await take(pacer, 1, [])
        assert refused.value.scope == "day"
        assert time.monotonic() - started < 1.0
