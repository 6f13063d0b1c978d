"""The outbox's words: an entry, the state it is in, the moves it may make, and the order records go in.

An outbox entry is one step of getting one record into one connection's package. Most records take one
step (create it); a credit note that credits an invoice takes two (create it, then set it against the
invoice), so the second step is an entry of its own that waits for the first, like any other child.

An entry moves only as TRANSITIONS allows: the entry refuses any other move itself (`moved_to`), and
the store, which changes many entries at once in SQL, moves only those whose state is among the
sources the table gives for the target (`sources_of`) and refuses the rest the same way.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import IllegalTransition


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


NotQueued = Literal["not_queued"]
RecordSendState = EntryState | NotQueued
"""Where a record stands with a connection: its entry's state, or not queued when it has no entry."""


def record_send_state(entry_state: EntryState | None, *, linked: bool) -> RecordSendState:
    """A record without an entry is in the package when it is linked (matched, or imported from it)."""
    if entry_state is not None:
        return entry_state
    return EntryState.SENT if linked else "not_queued"


def send_state_label(state: RecordSendState) -> str:
    """The state in words: "do-not-send", "not queued"."""
    return state.label if isinstance(state, EntryState) else "not queued"


class Step(StrEnum):
    """What an entry does in the package: create the record, or allocate a credit note to its invoice."""

    CREATE = "create"
    ALLOCATE = "allocate"


# Which states a person or the engine may move an entry to, from each state. Staying put is a move too,
# and allowed only where the entry's details change in place: a new version's key while waiting (or
# held do-not-send), a new parent to wait for while blocked. An entry in flight, sent, failed or
# uncertain never "moves" to where it is: that would be a second sender, or an outcome recorded twice.
TRANSITIONS: dict[EntryState, frozenset[EntryState]] = {
    EntryState.WAITING: frozenset(
        {
            EntryState.WAITING,  # a new version of the record, with a new key
            EntryState.PROCESSING,
            EntryState.BLOCKED,
            EntryState.FAILED,  # it cannot be drafted, or its record is gone
            EntryState.DO_NOT_SEND,
            EntryState.SENT,  # its customer or supplier was linked to one the package has
        }
    ),
    EntryState.BLOCKED: frozenset(
        {
            EntryState.BLOCKED,  # now waiting for another parent
            EntryState.PROCESSING,  # its parents are in the package: it goes, as a waiting one would
            EntryState.WAITING,
            EntryState.FAILED,  # its parents are in, and it cannot be drafted (or its record is gone)
            EntryState.DO_NOT_SEND,
            EntryState.SENT,
        }
    ),
    EntryState.PROCESSING: frozenset(
        {EntryState.SENT, EntryState.FAILED, EntryState.UNCERTAIN, EntryState.WAITING}
    ),
    EntryState.UNCERTAIN: frozenset(
        {
            EntryState.PROCESSING,  # replayed with the same key
            EntryState.SENT,  # found by its natural key
            EntryState.WAITING,  # not in the package: to be sent again
            EntryState.FAILED,  # found, but that package object is linked to another record
        }
    ),
    EntryState.FAILED: frozenset({EntryState.WAITING, EntryState.DO_NOT_SEND, EntryState.SENT}),
    EntryState.DO_NOT_SEND: frozenset(
        {
            EntryState.DO_NOT_SEND,
            EntryState.WAITING,
            EntryState.SENT,  # put back after it was held once sent: the package has it already
        }
    ),
    EntryState.SENT: frozenset(
        {
            EntryState.WAITING,  # unlinked after linking closed it: to be created
            EntryState.DO_NOT_SEND,  # held: its later changes stay out of the package
        }
    ),
}


# The reason a document dated before the cut-off is held do-not-send when a person says it was settled
# outside ledgerlink: what was set against it after the cut-off goes without it, never waiting for it.
SETTLED_OUTSIDE = "settled outside ledgerlink"


def can_move(current: EntryState, to: EntryState) -> bool:
    return to in TRANSITIONS[current]


def sources_of(to: EntryState) -> frozenset[EntryState]:
    """Every state an entry may move to `to` from: what a bulk move may touch."""
    return _SOURCES[to]


def require_move(entry: str, current: EntryState, to: EntryState) -> None:
    """Raise IllegalTransition, naming `entry`, unless the table allows the move."""
    if not can_move(current, to):
        raise IllegalTransition(entry, current.value, to.value)


def entry_label(kind: RecordKind, source_id: str, step: Step) -> str:
    """How a person knows an entry: its record, and which step of it when it is not the creation."""
    what = f"{kind.label} {source_id}"
    return f"{what} (allocation)" if step is Step.ALLOCATE else what


_SOURCES: dict[EntryState, frozenset[EntryState]] = {
    to: frozenset(state for state, targets in TRANSITIONS.items() if to in targets) for to in EntryState
}


@dataclass(frozen=True)
class OutboxEntry:
    """One step of one record on its way to one connection's package, as it stands now."""

    id: int
    record_id: int
    kind: RecordKind
    source_id: str
    step: Step
    version: str
    state: EntryState
    key: str
    batch_key: str
    attempts: int
    reason: str
    reason_field: str
    blocked_by: str
    package_id: str
    total_difference: Decimal | None
    changed_after_sending: str
    sent_summary: str
    updated_at: datetime
    sent_at: datetime | None

    @property
    def label(self) -> str:
        return entry_label(self.kind, self.source_id, self.step)

    def can_move_to(self, state: EntryState) -> bool:
        return can_move(self.state, state)

    def moved_to(self, state: EntryState, **changes: Any) -> OutboxEntry:
        """The entry in `state` (with any other fields changed too); IllegalTransition if the table
        does not allow the move."""
        require_move(self.label, self.state, state)
        return replace(self, state=state, **changes)


# The order in which kinds of step go: a tier is sent only once the tiers before it have had their turn,
# and within a tier nothing depends on anything else.
SEND_TIERS: tuple[tuple[tuple[RecordKind, Step], ...], ...] = (
    ((RecordKind.CUSTOMER, Step.CREATE), (RecordKind.SUPPLIER, Step.CREATE)),
    ((RecordKind.INVOICE, Step.CREATE), (RecordKind.SUPPLIER_INVOICE, Step.CREATE)),
    ((RecordKind.CREDIT_NOTE, Step.CREATE), (RecordKind.SUPPLIER_CREDIT_NOTE, Step.CREATE)),
    ((RecordKind.CREDIT_NOTE, Step.ALLOCATE), (RecordKind.SUPPLIER_CREDIT_NOTE, Step.ALLOCATE)),
    ((RecordKind.CUSTOMER_PAYMENT, Step.CREATE), (RecordKind.SUPPLIER_PAYMENT, Step.CREATE)),
)
# The first tier whose records are set against documents (credit notes, their allocations, payments):
# documents changed since they were sent take their new figures before it, or a credit note against
# such an invoice would wait for the next send, and the books would differ until then.
FIRST_SETTLING_TIER = SEND_TIERS[2]

_NAMESPACE = uuid.UUID("5b0c7a8e-1f0d-4d55-9a57-2d7f4f1c3a10")
_NAMESPACE_BYTES = _NAMESPACE.bytes


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
    return _uuid5_hex(name)


def _uuid5_hex(name: str) -> str:
    """`uuid.uuid5(_NAMESPACE, name).hex`, made without the UUID object: a first send makes a key for
    every record, and the object cost twice what the hash does."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    return digest.hex()
