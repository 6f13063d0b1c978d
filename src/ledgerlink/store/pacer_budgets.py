"""The rows of the shared pacer's budgets: each use is its own short transaction, on the database's clock.

A budget is one limit's theoretical arrival time (GCRA) in `pacer_budgets`. Every worker on every
machine spends the same rows, so taking a slot must be one short transaction that locks the rows of all
the limits a request counts against (in key order, so two takers never deadlock), reads the database's
own clock (the workers' clocks may differ), and moves each row on before the lock is let go. None of it
belongs to a caller's unit of work: a budget spent is spent, whatever else that caller commits.

PostgreSQL only: the pacer shares budgets between processes, and SQLite runs no worker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, bindparam, text

_ENSURE = text("INSERT INTO pacer_budgets (key, tat) VALUES (:key, 0) ON CONFLICT (key) DO NOTHING")
_LOCK = text(
    "SELECT key, tat, extract(epoch FROM clock_timestamp())::float8 AS now "
    "FROM pacer_budgets WHERE key IN :keys ORDER BY key FOR UPDATE"
).bindparams(bindparam("keys", expanding=True))
_MOVE = text("UPDATE pacer_budgets SET tat = :tat WHERE key = :key")
_PUSH = text(
    "UPDATE pacer_budgets SET tat = greatest(tat, extract(epoch FROM clock_timestamp())::float8 + :ahead) "
    "WHERE key = :key"
)


@dataclass
class HeldBudgets:
    """Budget rows locked for one transaction: their times as read, and the moves to write."""

    now: float  # the database's clock, in seconds since the epoch
    tats: dict[str, float]  # each budget's theoretical arrival time, by key, in key order
    moves: dict[str, float] = field(default_factory=dict)

    def move(self, tats: Mapping[str, float]) -> None:
        """Set these budgets' arrival times when the transaction commits."""
        self.moves.update(tats)


class PacerBudgets:
    """The shared budget rows of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ensure(self, keys: Sequence[str]) -> None:
        """Make the rows of these budgets, unspent, where they are missing."""
        with self.engine.begin() as connection:
            connection.execute(_ENSURE, [{"key": key} for key in sorted(keys)])

    @contextmanager
    def locked(self, keys: Sequence[str]) -> Iterator[HeldBudgets]:
        """Lock these budgets' rows until the block ends; the moves asked for are written as it ends.

        Leaving the block by an exception writes nothing: no budget is spent.
        """
        with self.engine.begin() as connection:
            rows = connection.execute(_LOCK, {"keys": sorted(keys)}).all()
            held = HeldBudgets(now=float(rows[0].now), tats={row.key: float(row.tat) for row in rows})
            yield held
            if held.moves:
                connection.execute(_MOVE, [{"key": key, "tat": tat} for key, tat in held.moves.items()])

    def push(self, aheads: Mapping[str, float]) -> None:
        """No slot of these budgets before `ahead` seconds from now (the database's now), each."""
        if not aheads:
            return
        with self.engine.begin() as connection:
            connection.execute(_PUSH, [{"key": key, "ahead": ahead} for key, ahead in aheads.items()])
