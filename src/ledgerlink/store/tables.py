"""Every table ledgerlink keeps, on one MetaData, so Alembic and the repositories see the same picture.

Each row belongs to a company, directly (`company_id`) or through the record it describes; a query that
forgets the company is a query that shows one business another's books. A later migration adds its
tables here and a numbered file under `migrations/versions/`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets room for billions of rows.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CompanyRow(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the onboarding path chosen before any package is connected, kept so a sign-out does not forget it
    onboarding_path: Mapped[str | None] = mapped_column(String(30))


class RecordRow(Base):
    """One jobs-side record, its content as JSON, and the few columns queries filter and add up on."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "source_id"),
        Index(None, "company_id", "kind", "record_date"),
        Index(None, "company_id", "kind", "party_source_id"),
        Index(None, "company_id", "kind", "updated_at"),  # the REST API's reads of what changed since
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    record_date: Mapped[date | None] = mapped_column(Date)
    party_source_id: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100), default="")
    gross: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # a document's VAT line by line ("16.00 0.00"), worked out when it was fed; NULL for other kinds
    line_vat: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordParentRow(Base):
    """A record's parents (its party, the invoice a credit note or payment settles), for send ordering.

    It carries its record's company: every company's records use the same few source ids ("C1"), so
    a lookup by parent alone would walk every company's children.
    """

    __tablename__ = "record_parents"
    __table_args__ = (Index(None, "company_id", "parent_kind", "parent_source_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    parent_kind: Mapped[str] = mapped_column(String(30))
    parent_source_id: Mapped[str] = mapped_column(String(100))


class RecordFindingRow(Base):
    """A warning a stored record carries (errors keep a record out, so they are reported, not stored)."""

    __tablename__ = "record_findings"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    field: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)


class NominalAccountRow(Base):
    __tablename__ = "nominal_accounts"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))


class VatRateRow(Base):
    __tablename__ = "vat_rates"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    treatment: Mapped[str] = mapped_column(String(20))


class PaymentMethodRow(Base):
    __tablename__ = "payment_methods"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    bank_nominal_code: Mapped[str] = mapped_column(String(100))


metadata = Base.metadata
