"""What comes back from the package, kept: a connection's settings and cursors, the changes it read
and what became of each, and the events they made.

A change read twice is stored once (its package id and a digest of its content are unique per
connection), so a read that dies before moving its cursor is simply read again. Settling a change is
conditional on it still being pending: two appliers of one change cannot both apply it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerlink.errors import ConcurrentWrite
from ledgerlink.store.connection_tables import ConnectionRow
from ledgerlink.store.inbound_records import FromPackageRecords
from ledgerlink.store.inbound_tables import (
    InboundChangeRow,
    InboundCursorRow,
    InboundSettingsRow,
    PackageEventRow,
)
from ledgerlink.store.tables import utcnow


@dataclass(frozen=True)
class InboundSettings:
    connection_id: int
    kinds: frozenset[str]
    schedule: str  # "on_demand" or "scheduled"
    interval_minutes: int
    reading_since: datetime
    last_read_at: datetime | None


@dataclass(frozen=True)
class ChangeRead:
    """A change as read, to be kept: the kind, the package's id, a digest of its content, the content."""

    change_kind: str
    package_id: str
    fingerprint: str
    content: dict[str, Any]


@dataclass(frozen=True)
class StoredChange:
    id: int
    change_kind: str
    package_id: str
    content: dict[str, Any]
    state: str
    reason: str
    record_kind: str
    source_id: str
    read_at: datetime
    settled_at: datetime | None


def _change(row: InboundChangeRow) -> StoredChange:
    return StoredChange(
        row.id,
        row.change_kind,
        row.package_id,
        json.loads(row.content),
        row.state,
        row.reason,
        row.record_kind,
        row.source_id,
        row.read_at,
        row.settled_at,
    )


class InboundRepository(FromPackageRecords):
    """One connection's settings, cursors and changes read, and the events its changes made."""

    def __init__(self, session: Session, connection_id: int, company_id: int) -> None:
        self.session = session
        self.connection_id = connection_id
        self.company_id = company_id

    # --- settings and cursors ----------------------------------------------------------------------

    def _settings_row(self) -> InboundSettingsRow:
        row = self.session.scalar(
            select(InboundSettingsRow).where(InboundSettingsRow.connection_id == self.connection_id)
        )
        if row is None:
            connected_at = self.session.scalar(
                select(ConnectionRow.connected_at).where(ConnectionRow.id == self.connection_id)
            )
            row = InboundSettingsRow(connection_id=self.connection_id, reading_since=connected_at or utcnow())
            try:
                with self.session.begin_nested():
                    self.session.add(row)
            except IntegrityError as error:
                raise ConcurrentWrite("the connection's reading settings were made meanwhile") from error
        return row

    def settings(self) -> InboundSettings:
        """The connection's settings; made on first use, reading from the moment the connection was made."""
        row = self._settings_row()
        return InboundSettings(
            row.connection_id,
            frozenset(kind for kind in row.kinds.split(",") if kind),
            row.schedule,
            row.interval_minutes,
            row.reading_since,
            row.last_read_at,
        )

    def update_settings(self, **values: Any) -> InboundSettings:
        row = self._settings_row()
        if "kinds" in values:
            values["kinds"] = ",".join(sorted(values["kinds"]))
        for name, value in values.items():
            setattr(row, name, value)
        self.session.flush()
        return self.settings()

    def cursors(self) -> dict[str, str]:
        rows = self.session.scalars(
            select(InboundCursorRow).where(InboundCursorRow.connection_id == self.connection_id)
        )
        return {row.feed: row.cursor for row in rows}

    def set_cursor(self, feed: str, cursor: str) -> None:
        row = self.session.scalar(
            select(InboundCursorRow).where(
                InboundCursorRow.connection_id == self.connection_id, InboundCursorRow.feed == feed
            )
        )
        if row is None:
            row = InboundCursorRow(connection_id=self.connection_id, feed=feed, cursor=cursor)
            self.session.add(row)
        row.cursor = cursor
        row.updated_at = utcnow()
        self.session.flush()

    # --- changes -----------------------------------------------------------------------------------

    def add_changes(self, changes: Iterable[ChangeRead]) -> int:
        """Keep the changes not held yet; answers how many were new."""
        added = 0
        for change in changes:
            held = self.session.scalar(
                select(InboundChangeRow.id).where(
                    InboundChangeRow.connection_id == self.connection_id,
                    InboundChangeRow.change_kind == change.change_kind,
                    InboundChangeRow.package_id == change.package_id,
                    InboundChangeRow.fingerprint == change.fingerprint,
                )
            )
            if held is not None:
                continue
            row = InboundChangeRow(
                connection_id=self.connection_id,
                change_kind=change.change_kind,
                package_id=change.package_id,
                fingerprint=change.fingerprint,
                content=json.dumps(change.content, sort_keys=True),
            )
            try:
                with self.session.begin_nested():
                    self.session.add(row)
            except IntegrityError:
                continue  # another reader kept it first
            added += 1
        return added

    def pending(self, limit: int = 500) -> list[StoredChange]:
        rows = self.session.scalars(
            select(InboundChangeRow)
            .where(InboundChangeRow.connection_id == self.connection_id, InboundChangeRow.state == "pending")
            .order_by(InboundChangeRow.id)
            .limit(limit)
        )
        return [_change(row) for row in rows]

    def pending_one(self, change_id: int) -> StoredChange | None:
        row = self.session.scalar(
            select(InboundChangeRow).where(
                InboundChangeRow.id == change_id,
                InboundChangeRow.connection_id == self.connection_id,
                InboundChangeRow.state == "pending",
            )
        )
        return _change(row) if row is not None else None

    def in_state(self, state: str) -> list[StoredChange]:
        rows = self.session.scalars(
            select(InboundChangeRow)
            .where(InboundChangeRow.connection_id == self.connection_id, InboundChangeRow.state == state)
            .order_by(InboundChangeRow.id)
        )
        return [_change(row) for row in rows]

    def waiting_for_a_person(self) -> list[StoredChange]:
        """The changes left for a person that nobody has marked dealt with yet."""
        rows = self.session.scalars(
            select(InboundChangeRow)
            .where(
                InboundChangeRow.connection_id == self.connection_id,
                InboundChangeRow.state == "needs_person",
                InboundChangeRow.dealt_with_at.is_(None),
            )
            .order_by(InboundChangeRow.id)
        )
        return [_change(row) for row in rows]

    def last_applied(self, change_kind: str, package_id: str) -> StoredChange | None:
        """The newest change of this package object that was applied, if any."""
        row = self.session.scalar(
            select(InboundChangeRow)
            .where(
                InboundChangeRow.connection_id == self.connection_id,
                InboundChangeRow.change_kind == change_kind,
                InboundChangeRow.package_id == package_id,
                InboundChangeRow.state == "applied",
            )
            .order_by(InboundChangeRow.id.desc())
            .limit(1)
        )
        return _change(row) if row is not None else None

    def allocations_held_there(self, credit_note_id: str) -> dict[str, StoredChange]:
        """The allocations of one credit note (by the package's id) that ledgerlink took in, by the
        package's id of each: the newest settled change of each, while it is neither taken off nor
        left for a person."""
        rows = self.session.scalars(
            select(InboundChangeRow)
            .where(
                InboundChangeRow.connection_id == self.connection_id,
                InboundChangeRow.change_kind == "credit_allocation",
                InboundChangeRow.state != "pending",
            )
            .order_by(InboundChangeRow.id)
        )
        newest: dict[str, StoredChange] = {}
        mine: set[str] = set()
        for row in rows:
            change = _change(row)
            if change.content.get("type") == "allocations_held":
                continue
            newest[change.package_id] = change
            if change.content.get("credit_note_id") == credit_note_id:
                mine.add(change.package_id)
        return {
            package_id: change
            for package_id in mine
            if (change := newest[package_id]).content.get("type") == "credit_allocation"
            and change.state in ("applied", "ours")
        }

    def settle(
        self, change_id: int, state: str, *, reason: str = "", record_kind: str = "", source_id: str = ""
    ) -> None:
        """Mark a pending change done with; refused (ConcurrentWrite) if another applier got there first."""
        done = self.session.execute(
            update(InboundChangeRow)
            .where(InboundChangeRow.id == change_id, InboundChangeRow.state == "pending")
            .values(
                state=state,
                reason=reason,
                record_kind=record_kind,
                source_id=source_id,
                settled_at=utcnow(),
            )
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentWrite(f"change {change_id} was settled meanwhile")

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(InboundChangeRow.state, func.count())
            .where(InboundChangeRow.connection_id == self.connection_id)
            .group_by(InboundChangeRow.state)
        )
        return {str(state): int(count) for state, count in rows.all()}

    # --- events ------------------------------------------------------------------------------------

    def add_event(
        self, change_id: int, record_kind: str, source_id: str, what: str, detail: dict[str, Any]
    ) -> int:
        row = PackageEventRow(
            company_id=self.company_id,
            connection_id=self.connection_id,
            change_id=change_id,
            record_kind=record_kind,
            source_id=source_id,
            what=what,
            detail=json.dumps(detail, sort_keys=True),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def voided_documents(self) -> set[tuple[str, str]]:
        """(kind, source id) of every jobs-side document the package voided or deleted."""
        rows = self.session.execute(
            select(PackageEventRow.record_kind, PackageEventRow.source_id).where(
                PackageEventRow.connection_id == self.connection_id, PackageEventRow.what == "voided"
            )
        )
        return {(kind, source_id) for kind, source_id in rows}
