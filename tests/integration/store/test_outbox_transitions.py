"""The store records every move the outbox's rules allow, and refuses every other, even in bulk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from ledgerlink.domain.outbox import TRANSITIONS, EntryState, OutboxEntry
from ledgerlink.domain.records import Customer
from ledgerlink.errors import IllegalTransition
from ledgerlink.services.feeding.records import feed
from ledgerlink.store import Connection, Store
from ledgerlink.store.outbox import OutboxRepository
from ledgerlink.store.unit_of_work import UnitOfWork

W, P, S, F, U, B, D = (
    EntryState.WAITING,
    EntryState.PROCESSING,
    EntryState.SENT,
    EntryState.FAILED,
    EntryState.UNCERTAIN,
    EntryState.BLOCKED,
    EntryState.DO_NOT_SEND,
)
# how a new entry reaches each state by legal moves alone
PATHS: dict[EntryState, tuple[EntryState, ...]] = {
    W: (),
    P: (P,),
    S: (S,),
    F: (F,),
    U: (P, U),
    B: (B,),
    D: (D,),
}
LEGAL = sorted((current, to) for current, targets in TRANSITIONS.items() for to in targets)
ILLEGAL = sorted(set(product(EntryState, EntryState)) - set(LEGAL))


def connected(store: Store, customers: int) -> Connection:
    """A company with `customers` customers, connected, with an outbox entry waiting for each."""
    with store.unit_of_work() as uow:
        company = uow.companies.add("Acme Heating")
        connection = uow.connections(company.id).connect(
            package="sage",
            business_id="b-1",
            business_name="Acme Books",
            sandbox=True,
            sealed_tokens="sealed",
            access_expires_at=datetime.now(UTC) + timedelta(hours=1),
            refresh_expires_at=None,
        )
        uow.commit()
    feed(store, company.id, [Customer(source_id=f"C{n}", last_name=f"Smith {n}") for n in range(customers)])
    with store.unit_of_work() as uow:
        uow.outbox(connection).sync(None)
        uow.commit()
    return connection


def entries(uow: UnitOfWork, connection: Connection) -> list[OutboxEntry]:
    return sorted(uow.outbox(connection).in_states(list(EntryState)), key=lambda e: int(e.source_id[1:]))


MOVES: dict[str, Callable[[OutboxRepository, OutboxEntry, EntryState], None]] = {
    "set_state": lambda outbox, entry, to: outbox.set_state([entry.id], to, reason="not to be kept"),
    "set_each": lambda outbox, entry, to: outbox.set_each(
        [{"entry_id": entry.id, "state": to.value, "reason": "not to be kept"}]
    ),
}


def brought_to(outbox: OutboxRepository, entry: OutboxEntry, state: EntryState) -> None:
    for step in PATHS[state]:
        outbox.set_state([entry.id], step)


def test_the_store_records_every_legal_move(any_store: Store) -> None:
    moves = LEGAL
    connection = connected(any_store, len(moves))
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        for entry, (current, _to) in zip(entries(uow, connection), moves, strict=True):
            brought_to(outbox, entry, current)
        uow.commit()
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        for entry, (current, to) in zip(entries(uow, connection), moves, strict=True):
            assert entry.state is current
            outbox.set_state([entry.id], to, reason=f"{current} to {to}")
        uow.commit()
    with any_store.unit_of_work() as uow:
        stored = [(entry.state, entry.reason) for entry in entries(uow, connection)]
    assert stored == [(to, f"{current} to {to}") for current, to in moves]


@pytest.mark.parametrize("move", sorted(MOVES))
def test_the_store_refuses_every_illegal_move_naming_the_entry_its_state_and_the_move(
    any_store: Store, move: str
) -> None:
    connection = connected(any_store, len(ILLEGAL))
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        for entry, (current, _to) in zip(entries(uow, connection), ILLEGAL, strict=True):
            brought_to(outbox, entry, current)
        uow.commit()
    for index, (current, to) in enumerate(ILLEGAL):
        with any_store.unit_of_work() as uow:
            outbox = uow.outbox(connection)
            entry = entries(uow, connection)[index]
            with pytest.raises(IllegalTransition) as refused:
                MOVES[move](outbox, entry, to)
            assert (refused.value.entry, refused.value.state, refused.value.to) == (entry.label, current, to)
            assert outbox.get(entry.id) == entry  # the statement left the row as it was
    with any_store.unit_of_work() as uow:
        assert [entry.state for entry in entries(uow, connection)] == [current for current, _to in ILLEGAL]


def test_a_bulk_move_is_refused_for_the_one_entry_that_may_not_move(any_store: Store) -> None:
    connection = connected(any_store, 4)
    with any_store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        first, second, sent, refused_one = entries(uow, connection)
        outbox.set_state([sent.id], S)
        outbox.set_state([refused_one.id], D)
        uow.commit()
    with (
        any_store.unit_of_work() as uow,
        pytest.raises(IllegalTransition, match=f"^{sent.label} is sent and cannot move to blocked$"),
    ):
        uow.outbox(connection).set_state([first.id, sent.id, second.id], B)
    with (
        any_store.unit_of_work() as uow,
        pytest.raises(
            IllegalTransition, match=f"^{refused_one.label} is do-not-send and cannot move to failed$"
        ),
    ):
        uow.outbox(connection).set_each(
            [
                {"entry_id": first.id, "state": F.value, "reason": "refused"},
                {"entry_id": refused_one.id, "state": F.value, "reason": "refused"},
            ]
        )
    with any_store.unit_of_work() as uow, pytest.raises(IllegalTransition, match=f"{sent.label} is sent"):
        uow.outbox(connection).begin_attempt([first.id, sent.id], "batch")
    with any_store.unit_of_work() as uow:
        assert [entry.state for entry in entries(uow, connection)] == [W, W, S, D]


def test_moves_of_entries_no_longer_there_are_passed_over(any_store: Store) -> None:
    connection = connected(any_store, 1)
    with any_store.unit_of_work() as uow:
        (entry,) = entries(uow, connection)
        uow.outbox(connection).set_state([entry.id, 999_999], P)
        uow.commit()
    with any_store.unit_of_work() as uow:
        assert [found.state for found in entries(uow, connection)] == [P]
