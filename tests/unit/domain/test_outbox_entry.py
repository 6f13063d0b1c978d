"""An outbox entry moves only as the outbox's rules allow, and says plainly which move it refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import product

import pytest

from ledgerlink.domain.outbox import (
    TRANSITIONS,
    EntryState,
    OutboxEntry,
    Step,
    can_move,
    sources_of,
)
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import IllegalTransition, LedgerlinkError

W, P, S, F, U, B, D = (
    EntryState.WAITING,
    EntryState.PROCESSING,
    EntryState.SENT,
    EntryState.FAILED,
    EntryState.UNCERTAIN,
    EntryState.BLOCKED,
    EntryState.DO_NOT_SEND,
)

# Every move the outbox makes, and why; anything else is refused.
LEGAL = {
    (W, W): "a new version of the record, with a new key, before it was sent",
    (W, P): "on its way",
    (W, B): "a parent is not in the package",
    (W, F): "it cannot be drafted (a mapping is missing), or its record is gone",
    (W, D): "a person marked it do-not-send, or linking left it for review",
    (W, S): "its customer or supplier was linked to one the package has",
    (B, B): "still waiting, now for another parent",
    (B, P): "its parents are in the package now: on its way",
    (B, W): "a new version, or put back by a person",
    (B, F): "its parents are in, yet it cannot be drafted, or its record is gone",
    (B, D): "a person marked it do-not-send",
    (B, S): "linked to one the package has",
    (P, S): "the package created it",
    (P, F): "the package refused it",
    (P, U): "no answer came back, or the sender stopped while it was on its way",
    (P, W): "the package asked us to slow down, or could not be reached: nothing was created",
    (U, P): "replayed with the same key",
    (U, S): "found in the package by its natural key",
    (U, F): "found in the package, but that object is linked to another record",
    (U, W): "not in the package: to be sent again",
    (F, W): "re-sent by a person, or a new version",
    (F, D): "a person marked it do-not-send",
    (F, S): "linked to one the package has",
    (D, D): "a new version while it is held",
    (D, W): "a person put it back, or the review it was held for was decided",
    (D, S): "a person put back a record held after it was sent: the package has it already",
    (S, W): "unlinked after linking had closed it: to be created after all",
    (S, D): "a person holds a sent record: its later changes stay out of the package",
}


def entry(state: EntryState) -> OutboxEntry:
    return OutboxEntry(
        id=7,
        record_id=70,
        kind=RecordKind.INVOICE,
        source_id="J-1001",
        step=Step.CREATE,
        version="v1",
        state=state,
        key="k" * 32,
        batch_key="",
        attempts=0,
        reason="",
        reason_field="",
        blocked_by="",
        package_id="",
        total_difference=None,
        changed_after_sending="",
        sent_summary="",
        updated_at=datetime(2025, 4, 1, tzinfo=UTC),
        sent_at=None,
    )


def test_the_table_allows_exactly_the_moves_the_outbox_makes() -> None:
    allowed = {(current, to) for current, targets in TRANSITIONS.items() for to in targets}
    assert allowed == set(LEGAL)


@pytest.mark.parametrize(("current", "to"), sorted(LEGAL), ids=lambda state: state.value)
def test_an_entry_makes_every_legal_move(current: EntryState, to: EntryState) -> None:
    moved = entry(current).moved_to(to, reason="why")

    assert (moved.state, moved.reason) == (to, "why")
    assert entry(current).can_move_to(to)
    assert current in sources_of(to)


ILLEGAL = sorted(set(product(EntryState, EntryState)) - set(LEGAL))


@pytest.mark.parametrize(("current", "to"), ILLEGAL, ids=lambda state: state.value)
def test_an_entry_refuses_every_illegal_move_naming_itself_its_state_and_the_move(
    current: EntryState, to: EntryState
) -> None:
    with pytest.raises(IllegalTransition) as refused:
        entry(current).moved_to(to)

    assert (refused.value.entry, refused.value.state, refused.value.to) == ("invoice J-1001", current, to)
    assert str(refused.value) == f"invoice J-1001 is {current.label} and cannot move to {to.label}"
    assert isinstance(refused.value, LedgerlinkError)
    assert not can_move(current, to)
    assert current not in sources_of(to)


def test_a_refused_allocation_says_it_is_the_allocation() -> None:
    allocation = replace(entry(S), kind=RecordKind.CREDIT_NOTE, source_id="CN-1", step=Step.ALLOCATE)

    with pytest.raises(IllegalTransition, match=r"^credit note CN-1 \(allocation\) is sent and cannot"):
        allocation.moved_to(U)


def test_moving_leaves_the_entry_it_was_asked_of_as_it_was() -> None:
    waiting = entry(W)

    waiting.moved_to(P)

    assert waiting.state is W
