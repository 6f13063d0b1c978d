"""A record held do-not-send while a send runs, after the send drafted it and before its request left:
the send goes on without it, and the other records of its call go in the tier's next pass.

The person is in the office while a worker sends: nothing tells them to wait, so the send must take
their choice as it stands when it marks the record on its way, not as it stood when it drafted it.
Each holds on SQLite and on PostgreSQL, with PostgreSQL's writes on the event loop (a small group's)
and from threads of their own (a large group's).
"""

from __future__ import annotations

from typing import Any

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.drafts import DocumentDraft, DocumentType
from ledgerlink.services.sending import chunks, engine
from ledgerlink.services.sending.controls import do_not_send
from ledgerlink.store import Store
from tests.integration.services.conftest import World
from tests.integration.services.test_sending import customer, entry_state, invoice, send

INVOICES = 25  # three calls: the fake package takes ten invoices a call
HELD = "INV-012"  # in the second call


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres, writes from threads", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Store:
    database, _, threads = str(request.param).partition(", ")
    if threads:
        monkeypatch.setattr(engine, "WRITE_BESIDE_FROM", 0)
    store: Store = request.getfixturevalue(f"{database}_store")
    return store


def invoice_numbers(world: World) -> list[str]:
    return sorted(
        draft.number
        for draft in world.package.of_type(DocumentType.SALES_INVOICE)
        if isinstance(draft, DocumentDraft)
    )


def hold_once_drafted(world: World, monkeypatch: pytest.MonkeyPatch, source_id: str) -> list[bool]:
    """A person holds `source_id` the moment the send has drafted it, before its call is marked on
    its way; answers whether the drafted chunk held it (so the test knows the race was run)."""
    drafted_it: list[bool] = []
    draft_next = chunks.ChunkDrafter.next

    def next_then_hold(drafter: chunks.ChunkDrafter, *args: Any) -> Any:
        drafted = draft_next(drafter, *args)
        if drafted is not None and any(item.entry.source_id == source_id for item in drafted.items):
            drafted_it.append(True)
            do_not_send(world.store, world.company_id, [source_id])
        return drafted

    monkeypatch.setattr(chunks.ChunkDrafter, "next", next_then_hold)
    return drafted_it


async def test_a_record_held_after_it_was_drafted_is_not_sent_and_the_rest_are(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.feed(customer("C1"), *(invoice(f"INV-{n:03}", "C1", f"{n}.00") for n in range(1, INVOICES + 1)))
    drafted_it = hold_once_drafted(world, monkeypatch, HELD)

    sender = await send(world)

    assert drafted_it == [True]
    assert sender.report.stopped == ""
    assert entry_state(world, RecordKind.INVOICE, HELD) == (
        EntryState.DO_NOT_SEND,
        "marked do-not-send by a person",
    )
    assert invoice_numbers(world) == [f"INV-{n:03}" for n in range(1, INVOICES + 1) if f"INV-{n:03}" != HELD]
    assert sender.report.counts[EntryState.SENT] == 1 + INVOICES - 1  # the customer, and the invoices
    assert sender.report.counts[EntryState.WAITING] == 0


async def test_a_record_held_after_it_was_drafted_is_never_tried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its entry shows no attempt, and those of its call that went in the next pass show one each: a
    bookkeeper reading the outbox sees what was tried, not a call that never left."""
    world.feed(customer("C1"), *(invoice(f"INV-{n:03}", "C1", f"{n}.00") for n in range(1, INVOICES + 1)))
    hold_once_drafted(world, monkeypatch, HELD)

    await send(world)

    with world.store.unit_of_work() as uow:
        outbox = uow.outbox(world.refreshed())
        held = outbox.find(RecordKind.INVOICE, HELD)
        beside = outbox.find(RecordKind.INVOICE, "INV-011")
        assert held is not None
        assert beside is not None
        assert (held.attempts, outbox.attempts(held.id)) == (0, [])
        assert beside.attempts == 1
        assert [attempt["outcome"] for attempt in outbox.attempts(beside.id)] == ["created"]
