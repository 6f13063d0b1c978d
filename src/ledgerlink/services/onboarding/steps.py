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
from ledgerlink.services.onboarding.nominal_check import check_mapping
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

StepName = Literal[
    "import", "get_started", "nominals", "open_items", "link_customers", "link_suppliers", "send"
]

STEP_TITLES: dict[StepName, str] = {
    "import": "import customers and suppliers from the package",
    "get_started": "get started: connect, choose the business, cut-off date, send mode",
    "nominals": "nominal accounts: map accounts, VAT rates and payment methods",
    "open_items": "open items at the cut-off: unpaid documents dated before it",
    "link_customers": "link existing customers",
    "link_suppliers": "link existing suppliers",
    "send": "send data",
}

PATH_STEPS: dict[str, tuple[StepName, ...]] = {
    "new-package": ("get_started", "nominals", "open_items", "send"),
    "side-by-side": ("get_started", "nominals", "open_items", "link_customers", "link_suppliers", "send"),
    # connecting comes first on every path: importing reads the customers from the connected package
    "package-first": ("get_started", "import", "nominals", "open_items", "link_suppliers", "send"),
}


@dataclass(frozen=True)
class StepState:
    name: StepName
    title: str
    complete: bool
    missing: str  # what is missing, in words ("" when complete)
    waiting: bool = False  # done in itself, but not ticked until the steps before it are


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
            if not state.complete and not state.waiting:
                missing.append(f"{STEP_TITLES[state.name]} ({state.missing})")
        return False, [f"{STEP_TITLES[step]} is not a step of the {self.path} path"]


def onboarding_state(store: Store, company_id: int, *, path: str | None = None) -> OnboardingState:
    """The company's steps in order. A step is complete only when it is done and so is every step
    before it: nothing is ticked that a person has not reached (no suppliers to link is not a link made
    before the package is even connected)."""
    with store.unit_of_work() as uow:
        connection = uow.connections(company_id).current()
        company = uow.companies.find_by_id(company_id)
        counts = uow.records(company_id).counts()
        outbox_counts = uow.outbox(connection).counts() if connection is not None else None
    kept = connection.onboarding_path if connection else (company.onboarding_path if company else None)
    chosen = path or kept or "new-package"
    steps = []
    earlier_done = True
    for name in PATH_STEPS.get(chosen, PATH_STEPS["new-package"]):
        done, missing = _step(store, name, connection, counts, outbox_counts)
        complete = done and earlier_done
        if done and not complete:
            missing = "comes after the steps before it"
        waiting = done and not complete
        steps.append(StepState(name, STEP_TITLES[name], complete, "" if complete else missing, waiting))
        earlier_done = complete
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
        with store.unit_of_work() as uow:
            report = check_mapping(uow, connection)
        if report.clean:
            return True, ""
        return False, "; ".join(report.summary or [problem.message for problem in report.problems[:3]])
    if name == "open_items":
        return True, ""  # a list to act on, never a gate: what is not settled waits, saying so
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
