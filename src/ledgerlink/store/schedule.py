"""What scheduled work is due, read across every company: the worker's minute tick asks for all of them.

The rules (how long a refresh token may idle, how often the lists are read) are the scheduler's; this
only answers which connections are past the moments it names, and remembers when work was queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ledgerlink.store.connection_tables import ConnectionRow
from ledgerlink.store.schedule_tables import ScheduleMarkRow


@dataclass(frozen=True)
class Due:
    connection_id: int
    company_id: int


@dataclass(frozen=True)
class AutomaticSend:
    """A connection that sends on its own, with its interval and when its send was last queued."""

    connection_id: int
    company_id: int
    interval_minutes: int
    last_queued_at: datetime | None


def _usable(now: datetime) -> Any:
    return and_(
        ConnectionRow.status == "active",
        ConnectionRow.sealed_tokens != "",
        or_(ConnectionRow.paused_until.is_(None), ConnectionRow.paused_until <= now),
    )


class ScheduleRepository:
    """Connections of every company, as background work sees them, and the marks of work queued."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def automatic_sends(self, now: datetime) -> list[AutomaticSend]:
        """Usable connections whose send mode is automatic, the longest unsent first; none paused."""
        query = (
            select(
                ConnectionRow.id,
                ConnectionRow.company_id,
                ConnectionRow.send_interval_minutes,
                ScheduleMarkRow.ran_at,
            )
            .outerjoin(
                ScheduleMarkRow,
                and_(ScheduleMarkRow.connection_id == ConnectionRow.id, ScheduleMarkRow.task == "send"),
            )
            .where(_usable(now), ConnectionRow.send_mode == "automatic")
            .order_by(func.coalesce(ScheduleMarkRow.ran_at, ConnectionRow.connected_at), ConnectionRow.id)
        )
        return [
            AutomaticSend(row.id, row.company_id, row.send_interval_minutes, row.ran_at)
            for row in self.session.execute(query)
        ]

    def renewed_before(self, cutoff: datetime) -> list[Due]:
        """Active connections whose tokens were last renewed (or first given) at or before `cutoff`;
        paused ones too: a pause does not stop a refresh token from lapsing."""
        query = select(ConnectionRow.id, ConnectionRow.company_id).where(
            ConnectionRow.status == "active",
            ConnectionRow.sealed_tokens != "",
            func.coalesce(ConnectionRow.refreshed_at, ConnectionRow.connected_at) <= cutoff,
        )
        return [Due(row.id, row.company_id) for row in self.session.execute(query)]

    def last_renewed(self, connection_id: int) -> datetime | None:
        """When the connection's tokens were last renewed, or first given; None if there is no such one."""
        last: datetime | None = self.session.scalar(
            select(func.coalesce(ConnectionRow.refreshed_at, ConnectionRow.connected_at)).where(
                ConnectionRow.id == connection_id
            )
        )
        return last

    def lists_read_before(self, cutoff: datetime, now: datetime) -> list[Due]:
        """Usable connections whose package lists were read once, and last at or before `cutoff`."""
        query = select(ConnectionRow.id, ConnectionRow.company_id).where(
            _usable(now),
            ConnectionRow.lists_read_at.is_not(None),
            ConnectionRow.lists_read_at <= cutoff,
        )
        return [Due(row.id, row.company_id) for row in self.session.execute(query)]

    def mark(self, connection_ids: list[int], task: str, at: datetime) -> None:
        """Remember that `task` was put on the queue for these connections at `at`."""
        if not connection_ids:
            return
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(ScheduleMarkRow).values(
            [{"connection_id": cid, "task": task, "ran_at": at} for cid in connection_ids]
        )
        statement = statement.on_conflict_do_update(
            index_elements=["connection_id", "task"], set_={"ran_at": statement.excluded.ran_at}
        )
        self.session.execute(statement)

    def mark_once(self, connection_id: int, task: str, at: datetime) -> None:
        """Remember `task` for this connection at `at`, unless a mark of it is there already (the first
        ask of several is the one kept, so asking again never puts the work off)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(ScheduleMarkRow).values(connection_id=connection_id, task=task, ran_at=at)
        self.session.execute(statement.on_conflict_do_nothing(index_elements=["connection_id", "task"]))

    def marks(self, task: str) -> dict[int, datetime]:
        """Every connection's mark of `task`, by connection id."""
        query = select(ScheduleMarkRow.connection_id, ScheduleMarkRow.ran_at).where(
            ScheduleMarkRow.task == task
        )
        return {row.connection_id: row.ran_at for row in self.session.execute(query)}

    def clear(self, connection_ids: list[int], task: str) -> None:
        """Forget these connections' marks of `task`."""
        if connection_ids:
            self.session.execute(
                delete(ScheduleMarkRow).where(
                    ScheduleMarkRow.connection_id.in_(connection_ids), ScheduleMarkRow.task == task
                )
            )
