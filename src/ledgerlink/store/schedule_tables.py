"""The tables of background work: shared request budgets, when each connection's work last ran, and
which send is running.

The job queue itself is procrastinate's, in its own tables; these hold only what ledgerlink decides:
how much of each package's limit is spent (shared by every worker on every machine), when a
connection's scheduled send was last put on the queue, and who started the send that holds a
connection's send lock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.store.tables import Base
from ledgerlink.store.types import UtcDateTime


class PacerBudgetRow(Base):
    """One limit's budget as a theoretical arrival time (GCRA): the next slot is at `tat - tolerance`.

    One row per limit (a connection's minute, its day, an app's minute): a worker takes a slot by locking
    the rows of every limit the request counts against and moving each one on, in one transaction.
    """

    __tablename__ = "pacer_budgets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, default=0.0)  # seconds since the epoch, database clock


class ScheduleMarkRow(Base):
    """When a connection's scheduled work of one kind was last put on the queue."""

    __tablename__ = "schedule_marks"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    task: Mapped[str] = mapped_column(String(30), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RunningSendRow(Base):
    """Who started the send holding a connection's send lock, and when: what a second start is told.

    The lock itself is not this row (an advisory lock on PostgreSQL, a lock file on SQLite, both let go
    when their process ends); a row left by a killed sender is simply replaced by the next one's.
    """

    __tablename__ = "running_sends"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
