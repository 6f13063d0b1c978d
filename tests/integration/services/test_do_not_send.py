"""Do-not-send holds any record in scope, whether or not a send has touched it, and is undone the same way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.drafts import DocumentDraft, DocumentType
from ledgerlink.services.sending.controls import changes, do_not_send, unknown_names
from tests.integration.services.conftest import World
from tests.integration.services.test_sending import customer, entry_state, invoice, send


def _invoice_numbers(world: World) -> list[str]:
    return [
        draft.number
        for draft in world.package.of_type(DocumentType.SALES_INVOICE)
        if isinstance(draft, DocumentDraft)
    ]


async def test_a_record_no_send_has_touched_yet_is_held_and_not_sent(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-1", "C1", "10.00"))
    await send(world)
    world.feed(invoice("INV-2", "C1", "20.00"))  # fed after the last send: it has no entry yet

    held = do_not_send(world.store, world.company_id, ["INV-2"])
    await send(world)

    assert held.changed == 1
    assert entry_state(world, RecordKind.INVOICE, "INV-2")[0] is EntryState.DO_NOT_SEND
    assert _invoice_numbers(world) == ["INV-1"]


async def test_a_held_record_put_back_goes_with_the_next_send(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-1", "C1", "10.00"))
    do_not_send(world.store, world.company_id, ["INV-1"])  # before any send at all
    await send(world)
    assert _invoice_numbers(world) == []

    back = do_not_send(world.store, world.company_id, ["INV-1"], undo=True)
    await send(world)

    assert back.changed == 1
    assert _invoice_numbers(world) == ["INV-1"]


async def test_a_sent_record_held_keeps_its_changes_out_until_it_is_put_back(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-1", "C1", "10.00"))
    await send(world)

    held = do_not_send(world.store, world.company_id, ["INV-1"])
    world.feed(invoice("INV-1", "C1", "12.00"))
    await send(world)
    while_held = (changes(world.store, world.company_id), _gross(world))
    back = do_not_send(world.store, world.company_id, ["INV-1"], undo=True)
    await send(world)

    assert held.changed == 1
    assert while_held == ([], [Decimal("12.00")])
    assert back.changed == 1
    assert entry_state(world, RecordKind.INVOICE, "INV-1")[0] is EntryState.SENT
    assert _gross(world) == [Decimal("14.40")]  # the change went once it was put back, in place


def _gross(world: World) -> list[Decimal]:
    return [
        draft.gross
        for draft in world.package.of_type(DocumentType.SALES_INVOICE)
        if isinstance(draft, DocumentDraft)
    ]


async def test_a_record_dated_before_the_cut_off_is_named_as_unknown(world: World) -> None:
    world.feed(customer("C1"), invoice("OLD-1", "C1", "10.00", when=date(2024, 12, 1)))

    assert unknown_names(world.store, world.company_id, ["OLD-1", "C1"]) == ["OLD-1"]
    assert do_not_send(world.store, world.company_id, ["OLD-1"]).changed == 0
