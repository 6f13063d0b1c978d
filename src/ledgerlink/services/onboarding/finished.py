"""What happens once setup is done: how sending goes on, when the next automatic send is due, and where
a record that cannot be sent will show. The wizard ends on this, not on a dashboard to decode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ledgerlink.domain.outbox import EntryState
from ledgerlink.services.onboarding.steps import OnboardingState, onboarding_state
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection


@dataclass(frozen=True)
class WhatHappensNow:
    connection: Connection
    complete: bool  # every step before sending is done, and a send has run (what it left is on the dashboard)
    sent: int
    failed: int  # failed, uncertain or blocked: each waits for a person on the dashboard
    next_send_at: datetime | None  # automatic sending only

    @property
    def automatic(self) -> bool:
        return self.connection.send_mode == "automatic"


def setup_done(state: OnboardingState) -> bool:
    """Setup is over once every step before sending is done and a first send has run: records it could
    not send are the dashboard's to show from then on, not a reason to keep a person in the wizard."""
    if state.current is None:
        return True
    sent_once = state.connection is not None and state.connection.last_sent_at is not None
    return state.current.name == "send" and sent_once


def what_happens_now(store: Store, company_id: int, now: datetime | None = None) -> WhatHappensNow | None:
    """None before any package is connected."""
    state = onboarding_state(store, company_id)
    connection = state.connection
    if connection is None:
        return None
    with store.unit_of_work() as uow:
        counts = uow.outbox(connection).counts()
    now = now or datetime.now(UTC)
    next_send = None
    if connection.send_mode == "automatic":
        interval = timedelta(minutes=max(5, connection.send_interval_minutes or 5))
        last = connection.last_sent_at
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        next_send = max(now, last + interval) if last is not None else now + interval
    stuck = (EntryState.FAILED, EntryState.UNCERTAIN, EntryState.BLOCKED)
    return WhatHappensNow(
        connection=connection,
        complete=setup_done(state),
        sent=counts[EntryState.SENT],
        failed=sum(counts[state_] for state_ in stuck),
        next_send_at=next_send,
    )
