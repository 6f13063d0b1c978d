"""A send paced by the package's limits says what it waits for; a daily limit says when it goes on."""

from __future__ import annotations

from ledgerlink.errors import RateLimited
from ledgerlink.packages.connection import Limits
from ledgerlink.packages.pacing import LocalPacer
from ledgerlink.services.sending.engine import Sender
from tests.integration.services.conftest import World
from tests.integration.services.test_sending import customer, invoice, send


async def test_a_send_paced_by_the_minute_limit_says_so_and_falls_silent_when_done(world: World) -> None:
    world.feed(*(customer(f"C{n}") for n in range(60)))  # 6 calls of 10, at 3 a (tenth of a second) minute
    connector = world.connector()
    connector.context.pacer = LocalPacer(Limits(requests_per_minute=4, concurrency=1), time_scale=600)
    said: list[str] = []

    report = await Sender(
        world.store, connection=world.refreshed(), connector=connector, on_waiting=said.append
    ).run()

    assert sum(report.sent.values()) == 60
    assert said[0].startswith("Fake allows 6000 requests a minute: ")
    assert said[0].endswith(" left")
    assert said[-1] == ""  # nothing is waited for once the send is over


async def test_a_daily_limit_says_when_the_send_goes_on_and_how_many_records_are_left(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-5", "C1", "10.00"), invoice("INV-6", "C1", "10.00"))
    world.package.raise_next.append(RateLimited("day limit", retry_after=3 * 3600, scope="day"))

    sender = await send(world)

    assert sender.report.stopped == (
        "Fake's daily limit is used: the send goes on in about 3 hours when Fake's day turns, about 3 records left"
    )
    assert sender.report.waiting == sender.report.stopped
