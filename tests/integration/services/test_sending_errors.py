"""Whatever a connector raises, the send settles it by the error's effect: a record's refusal fails that
record; a lost access, an answer for another business or an answer nobody foresaw stop the connection,
fail nothing and leave nothing on its way."""

from __future__ import annotations

import httpx
import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.errors import PackageError
from ledgerlink.packages.connection import ConnectionContext, PackageSettings
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.sage.connector import SageConnector
from ledgerlink.services.sending.engine import Sender
from tests.integration.services.conftest import NoTokens, World
from tests.integration.services.test_sending import customer, invoice, send


def nothing_on_its_way_and_nothing_failed(sender: Sender) -> None:
    assert sender.report.counts[EntryState.PROCESSING] == 0
    assert sender.report.counts[EntryState.FAILED] == 0


@pytest.mark.parametrize(
    "unforeseen",
    [PackageError("the package said something new"), KeyError("Id")],
    ids=["package error", "connector bug"],
)
async def test_an_error_nobody_foresaw_stops_the_send_fails_nothing_and_the_next_send_settles_it(
    world: World, unforeseen: Exception
) -> None:
    world.feed(customer("C1"), invoice("INV-1", "C1", "10.00"))
    world.package.raise_next.append(unforeseen)

    stopped = await send(world)

    assert "ledgerlink does not know" in stopped.report.stopped
    nothing_on_its_way_and_nothing_failed(stopped)
    assert stopped.report.counts[EntryState.UNCERTAIN] == 1  # the customer: it may have been created
    assert world.refreshed().status == "active"  # a passing stop: the worker tries again later

    settled = await send(world)

    assert settled.report.stopped == ""
    assert settled.report.counts[EntryState.SENT] == 2
    assert world.package.calls == 3  # the call that broke, its replay, the invoice


async def test_sages_answer_for_another_business_needs_a_reconnect_and_fails_nothing(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-2", "C1", "10.00"))

    def another_business(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": "c-1"}, headers={"X-Business": "someone-else"})

    context = ConnectionContext(
        business_id="b1",
        tokens=NoTokens(),
        settings=PackageSettings(api_url="http://sage.test/v3.1", auth_url="", token_url=""),
        pacer=UnlimitedPacer(),
        transport=httpx.MockTransport(another_business),
    )
    connector = SageConnector(context)
    try:
        sender = Sender(world.store, connection=world.refreshed(), connector=connector)
        await sender.run()
    finally:
        await connector.aclose()

    assert "reconnect" in sender.report.stopped
    nothing_on_its_way_and_nothing_failed(sender)
    assert sender.report.counts[EntryState.WAITING] + sender.report.counts[EntryState.BLOCKED] == 2
    assert world.refreshed().status == "needs_reconnect"
    assert "choose the business again" in world.refreshed().status_reason
