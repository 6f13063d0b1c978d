"""Per connection: which kinds of change come back from the package, and when they are read.

Payments only, by default: they are what the job system's people chase. Credit notes set against
invoices and voided documents come back too when asked for. `on_demand` reads when a person (or the
job system, through the command line) asks; `scheduled` lets the workers read every few minutes.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.changes import ChangeKind
from ledgerlink.services.inbound.applying import ApplyReport
from ledgerlink.services.sending.controls import connection_of
from ledgerlink.store import Store
from ledgerlink.store.inbound import InboundSettings, StoredChange

KINDS = tuple(kind.value for kind in ChangeKind)
SCHEDULES = ("on_demand", "scheduled")


def reading_settings(store: Store, company_id: int) -> InboundSettings:
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        found = uow.inbound(connection).settings()
        uow.commit()
    return found


def save_reading_settings(
    store: Store,
    company_id: int,
    *,
    kinds: Iterable[str] | None = None,
    schedule: str | None = None,
    interval_minutes: int | None = None,
) -> InboundSettings:
    values: dict[str, object] = {}
    if kinds is not None:
        chosen = {kind.strip() for kind in kinds if kind.strip()}
        unknown = sorted(chosen - set(KINDS))
        if unknown or not chosen:
            raise ConfigurationError(
                f"kinds must be some of {', '.join(KINDS)}; not {', '.join(unknown) or 'none'}"
            )
        values["kinds"] = chosen
    if schedule is not None:
        if schedule not in SCHEDULES:
            raise ConfigurationError(f"schedule must be one of {', '.join(SCHEDULES)}, not {schedule!r}")
        values["schedule"] = schedule
    if interval_minutes is not None:
        if not 1 <= interval_minutes <= 24 * 60:
            raise ConfigurationError("the interval must be between 1 and 1440 minutes")
        values["interval_minutes"] = interval_minutes
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        found = uow.inbound(connection).update_settings(**values)
        uow.commit()
    return found


def listed_for_a_person(store: Store, company_id: int) -> list[StoredChange]:
    """The changes that could not be applied and no person has dealt with yet, each with its reason."""
    connection = connection_of(store, company_id)
    with store.unit_of_work() as uow:
        return uow.inbound(connection).waiting_for_a_person()


__all__ = ["ApplyReport", "listed_for_a_person", "reading_settings", "save_reading_settings"]
