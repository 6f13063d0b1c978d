"""A payment made in the package reaches the job system once: in the REST changes feed, and at its
webhook receiver (signature checked), however often the package is read and the event posted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ledgerlink.services.access import create_api_key
from ledgerlink.services.inbound.dealt_with import mark_dealt_with, undo_dealt_with
from ledgerlink.services.inbound.run import read_and_apply
from ledgerlink.services.inbound.webhooks import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    deliver_due,
    set_endpoint,
    verify,
)
from ledgerlink.settings import Settings
from ledgerlink.web import create_app
from tests.support.package_side import PackageSide, sent_books

PACKAGES = ("sage", "xero")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Receiver:
    """The job system's webhook endpoint: checks each signature, fails its first `failures` posts."""

    def __init__(self, secret: str, clock: Clock, failures: int = 0) -> None:
        self.secret = secret
        self.clock = clock
        self.failures = failures
        self.posts = 0
        self.kept: dict[str, dict[str, object]] = {}
        self.refused = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.posts += 1
        body = request.content
        now = self.clock().timestamp()
        if not verify(self.secret, request.headers[SIGNATURE_HEADER], body, now=now):
            self.refused += 1
            return httpx.Response(401)
        if self.posts <= self.failures:
            return httpx.Response(503)
        self.kept.setdefault(request.headers[EVENT_HEADER], json.loads(body))
        return httpx.Response(204)


async def feed_over_rest(side: PackageSide, tmp_path: Path) -> list[dict[str, object]]:
    key = create_api_key(side.store, side.company_id, name="jobs").plain
    app = create_app(side.store, Settings(data_dir=tmp_path, secret_key="rest"), side.connectors)
    found: list[dict[str, object]] = []
    after = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as client:
        while True:
            page = await client.get(
                "/api/v1/changes-from-package",
                params={"after": after, "limit": 1},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert page.status_code == 200, page.text
            body = page.json()
            if not body["more"]:
                return found
            found.extend(body["changes"])
            after = body["after"]


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_payment_reaches_the_feed_and_the_webhook_once_after_reads_and_redeliveries(
    package: str, tmp_path: Path
) -> None:
    side = await sent_books(package, tmp_path)
    secret = set_endpoint(side.store, side.connectors.box, side.company_id, "https://jobs.example.com/hooks")
    clock = Clock()
    receiver = Receiver(secret, clock, failures=2)
    transport = httpx.MockTransport(receiver.handle)
    payment_id = await side.pays("J-1", "70.00")

    for _ in range(3):
        await read_and_apply(side.connectors, side.company_id)
        await deliver_due(side.store, side.connectors.box, side.company_id, transport=transport, clock=clock)
        clock.now += timedelta(hours=7)  # past the longest wait: every delivery is due again
    await deliver_due(side.store, side.connectors.box, side.company_id, transport=transport, clock=clock)

    source_id = f"{package}-{payment_id}"
    feed = await feed_over_rest(side, tmp_path)
    assert [(c["what"], c["record_kind"], c["source_id"], c["package_id"]) for c in feed] == [
        ("created", "customer_payment", source_id, payment_id)
    ]
    record = feed[0]["record"]
    assert isinstance(record, dict)
    assert record["allocations"] == [{"document_id": "J-1", "amount": "70.00"}]
    assert [event["source_id"] for event in receiver.kept.values()] == [source_id]
    assert (receiver.posts, receiver.refused) == (3, 0)  # two refused by the receiver, then acknowledged
    with side.store.unit_of_work() as uow:
        log = uow.package_events(side.company_id).deliveries()
    assert [(d.state, d.attempts, d.last_status) for d in log] == [("delivered", 3, 204)]
    side.store.close()


async def test_the_feed_says_who_dealt_with_a_change_that_waited_for_a_person(tmp_path: Path) -> None:
    side = await sent_books("sage", tmp_path)
    unknown = await side.invoices_in_package_only("25.00")
    await side.pays_package_document(unknown, "30.00")
    await read_and_apply(side.connectors, side.company_id)
    [waiting] = await feed_over_rest(side, tmp_path)
    assert (waiting["what"], waiting["dealt_with"]) == ("needs_person", None)

    mark_dealt_with(side.store, side.company_id, int(str(waiting["id"])), by="Sam Hollis", note="a deposit")
    [marked] = await feed_over_rest(side, tmp_path)
    undo_dealt_with(side.store, side.company_id, int(str(waiting["id"])))
    [undone] = await feed_over_rest(side, tmp_path)

    dealt_with = marked["dealt_with"]
    assert isinstance(dealt_with, dict)
    assert (dealt_with["by"], dealt_with["note"]) == ("Sam Hollis", "a deposit")
    assert marked["what"] == "needs_person"  # still the change it was, in the job system's log
    assert undone["dealt_with"] is None
    side.store.close()
