"""The tables of what comes back from the package: cursors, the changes read, the events handed to
the job system, and the webhooks that carry them.

A change read is kept whatever becomes of it (applied, recognised as ledgerlink's own, left for a
person), keyed by the package's id and its content, so reading it again adds nothing and applying it
again finds it settled. Events and delivery attempts are never deleted: they are the job system's log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.store.tables import Base, Id, utcnow
from ledgerlink.store.types import UtcDateTime


class InboundSettingsRow(Base):
    """Per connection: which kinds of change come back, and whether on a schedule or on demand."""

    __tablename__ = "inbound_settings"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), unique=True)
    kinds: Mapped[str] = mapped_column(String(100), default="payment")
    schedule: Mapped[str] = mapped_column(String(20), default="on_demand")
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    reading_since: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class InboundCursorRow(Base):
    """Where the next read of one change feed starts, in the package's own terms."""

    __tablename__ = "inbound_cursors"
    __table_args__ = (UniqueConstraint("connection_id", "feed"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    feed: Mapped[str] = mapped_column(String(60))
    cursor: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InboundChangeRow(Base):
    """One change read from the package, and what became of it."""

    __tablename__ = "inbound_changes"
    __table_args__ = (
        UniqueConstraint("connection_id", "change_kind", "package_id", "fingerprint"),
        Index(None, "connection_id", "state"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    change_kind: Mapped[str] = mapped_column(String(30))
    package_id: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    record_kind: Mapped[str] = mapped_column(String(30), default="")
    source_id: Mapped[str] = mapped_column(String(100), default="")
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # a change left for a person, once a person has dealt with it in the package or the job system:
    # who, when and what they said; it stays needs_person, and its event stays in the job system's log
    dealt_with_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dealt_with_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    dealt_with_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class PackageEventRow(Base):
    """A change applied to the jobs side (or left for a person), as the job system reads it."""

    __tablename__ = "package_events"
    __table_args__ = (Index(None, "company_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    change_id: Mapped[int] = mapped_column(ForeignKey("inbound_changes.id", ondelete="CASCADE"), unique=True)
    record_kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookEndpointRow(Base):
    """Where a company wants its events posted, and the secret that signs them (sealed)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(Text)
    sealed_secret: Mapped[str] = mapped_column(Text)
    first_event_id: Mapped[int] = mapped_column(Integer, default=0)  # events before it are not posted
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookDeliveryRow(Base):
    """One event on its way to one URL: retried with growing waits until the receiver answers 2xx."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "url"),
        Index(None, "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("package_events.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebhookAttemptRow(Base):
    """Every post made for a delivery, with what came back: the delivery log."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
