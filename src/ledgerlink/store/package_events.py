"""A company's events from its packages, as the job system reads them, its webhook endpoint and the
deliveries to it; and, across companies, the reads and deliveries the workers find due."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerlink.store.connection_tables import ConnectionRow
from ledgerlink.store.inbound_tables import (
    InboundChangeRow,
    InboundSettingsRow,
    PackageEventRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)
from ledgerlink.store.tables import utcnow


@dataclass(frozen=True)
class PackageEvent:
    id: int
    connection_id: int
    record_kind: str
    source_id: str
    what: str
    detail: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class DealtWith:
    """A person's word that a change left for them is dealt with."""

    by: str
    at: datetime
    note: str


@dataclass(frozen=True)
class WebhookEndpoint:
    url: str
    sealed_secret: str
    first_event_id: int


@dataclass(frozen=True)
class Delivery:
    id: int
    event: PackageEvent
    url: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str
    delivered_at: datetime | None


def _event(row: PackageEventRow) -> PackageEvent:
    return PackageEvent(
        row.id, row.connection_id, row.record_kind, row.source_id, row.what, json.loads(row.detail), row.at
    )


class PackageEventRepository:
    """A company's events from its packages, its webhook endpoint and their deliveries."""

    def __init__(self, session: Session, company_id: int) -> None:
        self.session = session
        self.company_id = company_id

    def page(self, after: int = 0, limit: int = 100) -> list[PackageEvent]:
        rows = self.session.scalars(
            select(PackageEventRow)
            .where(PackageEventRow.company_id == self.company_id, PackageEventRow.id > after)
            .order_by(PackageEventRow.id)
            .limit(limit)
        )
        return [_event(row) for row in rows]

    def latest(self, limit: int = 200) -> list[PackageEvent]:
        """The newest events, newest first: what a person looks at."""
        rows = self.session.scalars(
            select(PackageEventRow)
            .where(PackageEventRow.company_id == self.company_id)
            .order_by(PackageEventRow.id.desc())
            .limit(limit)
        )
        return [_event(row) for row in rows]

    def dealt_with(self, event_ids: Sequence[int]) -> dict[int, DealtWith]:
        """The events among these whose change a person marked dealt with, by event id."""
        if not event_ids:
            return {}
        rows = self.session.execute(
            select(PackageEventRow.id, InboundChangeRow)
            .join(InboundChangeRow, InboundChangeRow.id == PackageEventRow.change_id)
            .where(
                PackageEventRow.company_id == self.company_id,
                PackageEventRow.id.in_(list(event_ids)),
                InboundChangeRow.dealt_with_at.is_not(None),
            )
        ).all()
        return {
            int(event_id): DealtWith(row.dealt_with_by, row.dealt_with_at, row.dealt_with_note)
            for event_id, row in rows
            if row.dealt_with_at is not None
        }

    def mark_dealt_with(self, event_id: int, mark: DealtWith | None) -> bool:
        """Mark the change of one event left for a person dealt with, or (None) waiting again; answers
        whether there was such an event of this company's."""
        change = self.session.scalar(
            select(InboundChangeRow)
            .join(PackageEventRow, PackageEventRow.change_id == InboundChangeRow.id)
            .where(
                PackageEventRow.company_id == self.company_id,
                PackageEventRow.id == event_id,
                PackageEventRow.what == "needs_person",
            )
        )
        if change is None:
            return False
        change.dealt_with_at = mark.at if mark else None
        change.dealt_with_by = mark.by if mark else ""
        change.dealt_with_note = mark.note if mark else ""
        self.session.flush()
        return True

    def newest_id(self) -> int:
        found = self.session.scalar(
            select(func.max(PackageEventRow.id)).where(PackageEventRow.company_id == self.company_id)
        )
        return int(found or 0)

    # --- the endpoint ------------------------------------------------------------------------------

    def endpoint(self) -> WebhookEndpoint | None:
        row = self.session.scalar(
            select(WebhookEndpointRow).where(WebhookEndpointRow.company_id == self.company_id)
        )
        return WebhookEndpoint(row.url, row.sealed_secret, row.first_event_id) if row else None

    def set_endpoint(self, url: str, sealed_secret: str | None) -> None:
        """Post events made from now on to `url`; a new secret only when one is given."""
        row = self.session.scalar(
            select(WebhookEndpointRow).where(WebhookEndpointRow.company_id == self.company_id)
        )
        if row is None:
            if sealed_secret is None:
                raise ValueError("a new endpoint needs a secret")
            row = WebhookEndpointRow(company_id=self.company_id, sealed_secret=sealed_secret)
            self.session.add(row)
        row.url = url
        if sealed_secret is not None:
            row.sealed_secret = sealed_secret
        row.first_event_id = self.newest_id() + 1
        self.session.flush()

    def remove_endpoint(self) -> None:
        row = self.session.scalar(
            select(WebhookEndpointRow).where(WebhookEndpointRow.company_id == self.company_id)
        )
        if row is not None:
            self.session.delete(row)
            self.session.flush()

    # --- deliveries --------------------------------------------------------------------------------

    def enqueue(self) -> int:
        """A delivery for each event since the endpoint was set that has none for its URL."""
        endpoint = self.endpoint()
        if endpoint is None:
            return 0
        delivered = select(WebhookDeliveryRow.event_id).where(
            WebhookDeliveryRow.company_id == self.company_id, WebhookDeliveryRow.url == endpoint.url
        )
        ids = self.session.scalars(
            select(PackageEventRow.id).where(
                PackageEventRow.company_id == self.company_id,
                PackageEventRow.id >= endpoint.first_event_id,
                PackageEventRow.id.not_in(delivered),
            )
        ).all()
        for event_id in ids:
            try:
                with self.session.begin_nested():
                    self.session.add(
                        WebhookDeliveryRow(company_id=self.company_id, event_id=event_id, url=endpoint.url)
                    )
            except IntegrityError:
                continue  # another worker queued it first
        return len(ids)

    def due(self, now: datetime, limit: int = 50) -> list[Delivery]:
        rows = self.session.execute(
            select(WebhookDeliveryRow, PackageEventRow)
            .join(PackageEventRow, PackageEventRow.id == WebhookDeliveryRow.event_id)
            .where(
                WebhookDeliveryRow.company_id == self.company_id,
                WebhookDeliveryRow.state == "pending",
                WebhookDeliveryRow.next_attempt_at <= now,
            )
            .order_by(WebhookDeliveryRow.id)
            .limit(limit)
        ).all()
        return [_delivery(delivery, event) for delivery, event in rows]

    def deliveries(self, limit: int = 100) -> list[Delivery]:
        rows = self.session.execute(
            select(WebhookDeliveryRow, PackageEventRow)
            .join(PackageEventRow, PackageEventRow.id == WebhookDeliveryRow.event_id)
            .where(WebhookDeliveryRow.company_id == self.company_id)
            .order_by(WebhookDeliveryRow.id.desc())
            .limit(limit)
        ).all()
        return [_delivery(delivery, event) for delivery, event in rows]

    def record_attempt(
        self,
        delivery_id: int,
        *,
        status: int | None,
        error: str,
        delivered: bool,
        next_attempt_at: datetime,
    ) -> None:
        now = utcnow()
        self.session.add(WebhookAttemptRow(delivery_id=delivery_id, status=status, error=error, at=now))
        self.session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery_id, WebhookDeliveryRow.company_id == self.company_id)
            .values(
                attempts=WebhookDeliveryRow.attempts + 1,
                state="delivered" if delivered else "pending",
                last_status=status,
                last_error=error,
                next_attempt_at=next_attempt_at,
                delivered_at=now if delivered else None,
            )
        )
        self.session.flush()

    def attempts(self, delivery_ids: Sequence[int]) -> dict[int, list[tuple[datetime, int | None, str]]]:
        found: dict[int, list[tuple[datetime, int | None, str]]] = {}
        if not delivery_ids:
            return found
        rows = self.session.scalars(
            select(WebhookAttemptRow)
            .where(WebhookAttemptRow.delivery_id.in_(list(delivery_ids)))
            .order_by(WebhookAttemptRow.id)
        )
        for row in rows:
            found.setdefault(row.delivery_id, []).append((row.at, row.status, row.error))
        return found


def _delivery(row: WebhookDeliveryRow, event: PackageEventRow) -> Delivery:
    return Delivery(
        row.id,
        _event(event),
        row.url,
        row.state,
        row.attempts,
        row.next_attempt_at,
        row.last_status,
        row.last_error,
        row.delivered_at,
    )


class InboundSchedule:
    """Across companies, as the workers see them: connections due a scheduled read, companies with
    webhook deliveries due."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due_reads(self, now: datetime) -> list[tuple[int, int]]:
        """(connection id, company id) of active connections read on a schedule whose interval passed."""
        rows = self.session.execute(
            select(
                ConnectionRow.id,
                ConnectionRow.company_id,
                InboundSettingsRow.interval_minutes,
                InboundSettingsRow.last_read_at,
            )
            .join(InboundSettingsRow, InboundSettingsRow.connection_id == ConnectionRow.id)
            .where(
                InboundSettingsRow.schedule == "scheduled",
                ConnectionRow.status == "active",
                ConnectionRow.sealed_tokens != "",
                or_(ConnectionRow.paused_until.is_(None), ConnectionRow.paused_until <= now),
            )
        ).all()
        due = []
        for connection_id, company_id, interval, last in rows:
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=UTC)
            if last is None or last <= now - timedelta(minutes=max(1, interval)):
                due.append((int(connection_id), int(company_id)))
        return due

    def companies_with_deliveries_due(self, now: datetime) -> list[int]:
        rows = self.session.scalars(
            select(WebhookDeliveryRow.company_id)
            .where(WebhookDeliveryRow.state == "pending", WebhookDeliveryRow.next_attempt_at <= now)
            .distinct()
        )
        return sorted(int(company_id) for company_id in rows)

    def connections_of_business(self, package: str, business_ids: Sequence[str]) -> list[tuple[int, int]]:
        """(connection id, company id) of the active connections to these businesses of a package."""
        if not business_ids:
            return []
        rows = self.session.execute(
            select(ConnectionRow.id, ConnectionRow.company_id).where(
                ConnectionRow.package == package,
                ConnectionRow.business_id.in_(list(business_ids)),
                ConnectionRow.status == "active",
            )
        ).all()
        return [(int(connection_id), int(company_id)) for connection_id, company_id in rows]
