"""Where a company stands on its onboarding path, and which step it may enter next.

A step can only be entered when the ones before it are complete, and the wizard says what is missing:
sending before linking would create duplicates, so on the side-by-side path nothing is sent until every
customer is linked, marked "create new", or deliberately left for review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import StepNotReady
from ledgerlink.services.nominals import Nominals
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository
from ledgerlink.store.outbox import OutboxRepository

StepName = Literal["import", "get_started", "nominals", "link_customers", "link_suppliers", "send"]

STEP_TITLES: dict[StepName, str] = {
    "import": "import customers and suppliers from the package",
    "get_started": "get started: connect, choose the business, cut-off date, send mode",
    "nominals": "nominal accounts: map accounts, VAT rates and payment methods",
    "link_customers": "link existing customers",
    "link_suppliers": "link existing suppliers",
    "send": "send data",
}

PATH_STEPS: dict[str, tuple[StepName, ...]] = {
    "new-package": ("get_started", "nominals", "send"),
    "side-by-side": ("get_started", "nominals", "link_customers", "link_suppliers", "send"),
    "package-first": ("import", "get_started", "nominals", "link_suppliers", "send"),
}


@dataclass(frozen=True)
class StepState:
    name: StepName
    title: str
    complete: bool
    missing: str  # what is missing, in words ("" when complete)


@dataclass(frozen=True)
class OnboardingState:
    path: str
    connection: Connection | None
    steps: tuple[StepState, ...]

    @property
    def current(self) -> StepState | None:
        return next((step for step in self.steps if not step.complete), None)

    def can_enter(self, step: StepName) -> tuple[bool, list[str]]:
        missing: list[str] = []
        for state in self.steps:
            if state.name == step:
                return not missing, missing
            if not state.complete:
                missing.append(f"{STEP_TITLES[state.name]} ({state.missing})")
        return False, [f"{STEP_TITLES[step]} is not a step of the {self.path} path"]


def onboarding_state(store: Store, company_id: int, *, path: str | None = None) -> OnboardingState:
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company_id).current()
        counts = uow.records(company_id).counts()
        outbox_counts = (
            OutboxRepository(uow.session, connection.id, company_id).counts()
            if connection is not None
            else None
        )
    chosen = path or (connection.onboarding_path if connection else "new-package")
    steps = []
    for name in PATH_STEPS.get(chosen, PATH_STEPS["new-package"]):
        complete, missing = _step(store, name, connection, counts, outbox_counts)
        steps.append(StepState(name, STEP_TITLES[name], complete, "" if complete else missing))
    return OnboardingState(chosen, connection, tuple(steps))


def _step(
    store: Store,
    name: StepName,
    connection: Connection | None,
    counts: dict[RecordKind, int],
    outbox_counts: dict[EntryState, int] | None,
) -> tuple[bool, str]:
    if name == "import":
        if connection is not None and "import" in connection.steps_done:
            return True, ""
        return False, "no import has been committed yet"
    if connection is None:
        return False, "no package is connected"
    if name == "get_started":
        if connection.needs_reconnect:
            return False, f"the connection needs reconnecting: {connection.status_reason}"
        if connection.cut_off_date is None:
            return False, "no cut-off date is set"
        return True, ""
    if name == "nominals":
        if connection.lists_read_at is None:
            return False, "the package's chart of accounts has not been read"
        report = Nominals(store, connection).check()
        if report.clean:
            return True, ""
        return False, "; ".join(report.summary or [problem.message for problem in report.problems[:3]])
    if name in ("link_customers", "link_suppliers"):
        kind = RecordKind.CUSTOMER if name == "link_customers" else RecordKind.SUPPLIER
        if name in connection.steps_done or counts.get(kind, 0) == 0:
            return True, ""
        return False, f"{kind.label}s have not been linked or marked to be created"
    assert outbox_counts is not None
    open_states = (
        EntryState.WAITING,
        EntryState.BLOCKED,
        EntryState.FAILED,
        EntryState.UNCERTAIN,
        EntryState.PROCESSING,
    )
    left = sum(outbox_counts[state] for state in open_states)
    if connection.last_sent_at is not None and left == 0:
        return True, ""
    if connection.last_sent_at is None:
        return False, "nothing has been sent yet"
    return False, f"{left:,} records are not sent yet"


def require_step(store: Store, company_id: int, step: StepName) -> OnboardingState:
    """The state, if `step` may be entered; otherwise StepNotReady naming each missing step."""
    state = onboarding_state(store, company_id)
    allowed, missing = state.can_enter(step)
    if not allowed:
        raise StepNotReady(
            f"{STEP_TITLES[step]} cannot start yet: first " + "; ".join(missing), missing=missing
        )
    return state
