"""The pacers a worker hands its connectors: budgets in PostgreSQL, shared with every other worker."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from ledgerlink.packages.base import Pacer
from ledgerlink.packages.registry import PackageEntry
from ledgerlink.packages.shared_pacer import SharedPacer
from ledgerlink.store.connections import Connection

PacerFactory = Callable[[Connection, PackageEntry], Pacer]


def shared_pacers(engine: Engine, *, time_scale: float = 1.0) -> PacerFactory:
    """A Runtime pacer_factory whose budgets every worker on this database spends together.

    `time_scale` runs each package's minute and day faster, for sandboxes whose windows are scaled.
    """

    def make(connection: Connection, entry: PackageEntry) -> Pacer:
        return SharedPacer.for_connection(
            engine,
            entry.connector.limits,
            package=connection.package,
            connection_id=connection.id,
            time_scale=time_scale,
        )

    return make
