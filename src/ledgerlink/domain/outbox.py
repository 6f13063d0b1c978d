"""The outbox's words: what state an entry is in, what may follow, and the order records go in.

An outbox entry is one step of getting one record into one connection's package. Most records take one
step (create it); a credit note that credits an invoice takes two (create it, then set it against the
invoice), so the second step is an entry of its own that waits for the first, like any other child.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from ledgerlink.domain.records import RecordKind


class EntryState(StrEnum):
    WAITING = "waiting"
    PROCESSING = "processing"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    BLOCKED = "blocked"
    DO_NOT_SEND = "do_not_send"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-")


class Step(StrEnum):
    """What an entry does in the package: create the record, or allocate a credit note to its invoice."""

    CREATE = "create"
    ALLOCATE = "allocate"


# Which states a person or the engine may move an entry to, from each state.
TRANSITIONS: dict[EntryState, frozenset[EntryState]] = {
    EntryState.WAITING: frozenset(
        {
            EntryState.PROCESSING,
            EntryState.BLOCKED,
            EntryState.FAILED,
            EntryState.DO_NOT_SEND,
            EntryState.SENT,
        }
    ),
    EntryState.BLOCKED: frozenset({EntryState.WAITING, EntryState.DO_NOT_SEND, EntryState.SENT}),
    EntryState.PROCESSING: frozenset(
        {EntryState.SENT, EntryState.FAILED, EntryState.UNCERTAIN, EntryState.WAITING}
    ),
    EntryState.UNCERTAIN: frozenset({EntryState.SENT, EntryState.WAITING, EntryState.PROCESSING}),
    EntryState.FAILED: frozenset({EntryState.WAITING, EntryState.DO_NOT_SEND, EntryState.SENT}),
    EntryState.DO_NOT_SEND: frozenset({EntryState.WAITING}),
    EntryState.SENT: frozenset({EntryState.WAITING}),  # a change after sending that the package can take
}


def can_move(current: EntryState, to: EntryState) -> bool:
    return to in TRANSITIONS[current]


# The order in which kinds of step go: a tier is sent only once the tiers before it have had their turn,
# and within a tier nothing depends on anything else.
SEND_TIERS: tuple[tuple[tuple[RecordKind, Step], ...], ...] = (
    ((RecordKind.CUSTOMER, Step.CREATE), (RecordKind.SUPPLIER, Step.CREATE)),
    ((RecordKind.INVOICE, Step.CREATE), (RecordKind.SUPPLIER_INVOICE, Step.CREATE)),
    ((RecordKind.CREDIT_NOTE, Step.CREATE), (RecordKind.SUPPLIER_CREDIT_NOTE, Step.CREATE)),
    ((RecordKind.CREDIT_NOTE, Step.ALLOCATE), (RecordKind.SUPPLIER_CREDIT_NOTE, Step.ALLOCATE)),
    ((RecordKind.CUSTOMER_PAYMENT, Step.CREATE), (RecordKind.SUPPLIER_PAYMENT, Step.CREATE)),
)

_NAMESPACE = uuid.UUID("5b0c7a8e-1f0d-4d55-9a57-2d7f4f1c3a10")


def idempotency_key(
    connection_id: int, kind: RecordKind, source_id: str, version: str, step: Step, generation: int = 0
) -> str:
    """The same record, version and step on the same connection always get the same key (32 hex).

    Derived, not random, so that a crash between storing the entry and sending it cannot produce a
    second key for the same send; and a new version of the record gets a new key, because it is a new
    request that the package must not answer from its memory of the old one. A re-send after a refusal
    is a new `generation`: the package refused the old request (nothing was created), and may remember
    its refusal under the old key.
    """
    name = f"{connection_id}/{kind.value}/{source_id}/{version}/{step.value}"
    if generation:
        name += f"/resend-{generation}"
    return uuid.uuid5(_NAMESPACE, name).hex
