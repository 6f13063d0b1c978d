"""The tables of sending: connections to packages, what the package holds, mappings, links, the outbox.

Everything here hangs off a connection, and every connection belongs to one company, so a query scoped by
connection is scoped by company. Entries and attempts are never deleted: nothing sent is ever lost.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.store.tables import Base, Id, utcnow
from ledgerlink.store.types import UtcDateTime


class ConnectionRow(Base):
    """One company's authorised link to one business in one package, and its sending settings."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("company_id", "package", "business_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    package: Mapped[str] = mapped_column(String(30))
    business_id: Mapped[str] = mapped_column(String(100))
    business_name: Mapped[str] = mapped_column(String(200), default="")
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(30), default="active")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    onboarding_path: Mapped[str] = mapped_column(String(30), default="new-package")
    cut_off_date: Mapped[date | None] = mapped_column(Date)
    send_mode: Mapped[str] = mapped_column(String(20), default="manual")
    send_interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    sealed_tokens: Mapped[str] = mapped_column(Text, default="")
    access_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    token_generation: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    connected_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lists_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    steps_done: Mapped[str] = mapped_column(Text, default="")
    consents: Mapped[str] = mapped_column(Text, default="")  # what the user allowed made, comma-separated


class PackageListItemRow(Base):
    """An account, bank account or tax rate as the package last showed it; gone ones are kept, marked."""

    __tablename__ = "package_list_items"
    __table_args__ = (UniqueConstraint("connection_id", "list_name", "package_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    list_name: Mapped[str] = mapped_column(String(20))
    package_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(50), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    gone_since: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MappingRow(Base):
    """Where one jobs-side code goes in the package: a nominal account, a VAT rate (per usage), a method."""

    __tablename__ = "mappings"
    __table_args__ = (UniqueConstraint("connection_id", "mapping_kind", "jobs_code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    mapping_kind: Mapped[str] = mapped_column(String(20))
    jobs_code: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(String(100))
    set_by: Mapped[str] = mapped_column(String(20), default="user")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LinkRow(Base):
    """A record and the package's id for it: one to one in both directions within a connection."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("connection_id", "record_kind", "source_id"),
        UniqueConstraint("connection_id", "record_kind", "package_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(String(100))
    how: Mapped[str] = mapped_column(String(20))
    version_sent: Mapped[str] = mapped_column(String(40), default="")
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxEntryRow(Base):
    """One step of getting one record into one connection's package, with its state and history."""

    __tablename__ = "outbox_entries"
    __table_args__ = (
        UniqueConstraint("connection_id", "record_kind", "source_id", "step"),
        # a chunk of a step's entries in one state, in id order, straight off the index
        Index(None, "connection_id", "state", "record_kind", "step", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    record_kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(100))
    step: Mapped[str] = mapped_column(String(10), default="create")
    record_version: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    batch_key: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_field: Mapped[str] = mapped_column(String(200), default="")
    blocked_by: Mapped[str] = mapped_column(String(200), default="")
    package_id: Mapped[str] = mapped_column(String(100), default="")
    total_difference: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    changed_after_sending: Mapped[str] = mapped_column(Text, default="")
    sent_summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxAttemptRow(Base):
    """Every request made for an entry, with what came back: kept forever."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("outbox_entries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    operation: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))
    status: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(100), default="")
    request: Mapped[str] = mapped_column(String(300), default="", server_default="")  # "POST /invoices"
    detail: Mapped[str] = mapped_column(Text, default="")
