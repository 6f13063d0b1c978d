from __future__ import annotations

from ledgerlink.domain.outbox import EntryState, record_send_state, send_state_label


def test_a_record_with_an_entry_stands_where_its_entry_stands_linked_or_not() -> None:
    for state in EntryState:
        assert record_send_state(state, linked=False) is state
        assert record_send_state(state, linked=True) is state


def test_a_record_without_an_entry_is_sent_when_linked_and_not_queued_otherwise() -> None:
    assert record_send_state(None, linked=True) is EntryState.SENT
    assert record_send_state(None, linked=False) == "not_queued"


def test_send_states_read_as_words() -> None:
    assert send_state_label(EntryState.DO_NOT_SEND) == "do-not-send"
    assert send_state_label("not_queued") == "not queued"
