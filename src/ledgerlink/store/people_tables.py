"""The tables of people and decisions: who may sign in, API keys, linking decisions, import batches."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ledgerlink.store.tables import Base, Id, utcnow
from ledgerlink.store.types import UtcDateTime


class UserRow(Base):
    """A person who signs in; each belongs to one company."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # a session cookie holds the version it began under; signing out or a new password moves it on,
    # and every cookie of an older one, copied or not, opens nothing
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SignInFailureRow(Base):
    """Wrong passwords lately, for one account (by email) or one client address: the sign-in throttle's
    counts, kept in the database so every web process sees the same ones."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(320))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NoticeSentRow(Base):
    """An email told a company's administrators something on a day: at most one of each kind a day, so
    a send every few minutes that keeps failing does not fill their inbox."""

    __tablename__ = "notices_sent"
    __table_args__ = (UniqueConstraint("company_id", "kind", "day"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class ApiKeyRow(Base):
    """A company's key for the job system to call the REST API; only its hash is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PackageContactRow(Base):
    """A package contact as last read, for linking, review and search without asking the package again."""

    __tablename__ = "package_contacts"
    __table_args__ = (UniqueConstraint("connection_id", "package_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    package_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_supplier: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LinkProposalRow(Base):
    """The matching engine's latest proposal for a record: a package contact, a score, a band, reasons."""

    __tablename__ = "link_proposals"
    __table_args__ = (
        UniqueConstraint("connection_id", "record_kind", "source_id"),
        Index(None, "connection_id", "band"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(String(100), default="")
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    band: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LinkDecisionRow(Base):
    """What a person decided about a record (or a pair): kept so a re-run respects every decision."""

    __tablename__ = "link_decisions"
    __table_args__ = (Index(None, "connection_id", "record_kind", "source_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    record_kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(String(100), default="")
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ImportBatchRow(Base):
    """One committed import from the package: what it created, so it can be undone."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    record_kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ImportBatchRecordRow(Base):
    __tablename__ = "import_batch_records"
    __table_args__ = (UniqueConstraint("batch_id", "record_kind", "source_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    record_kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(String(100))
