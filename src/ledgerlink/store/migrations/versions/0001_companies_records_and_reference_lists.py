"""companies, records and reference lists

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:51:26.393623
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("slug", name=op.f("uq_companies_slug")),
    )
    op.create_table(
        "nominal_accounts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_nominal_accounts_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominal_accounts")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_nominal_accounts_company_id_code")),
    )
    op.create_table(
        "payment_methods",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bank_nominal_code", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_payment_methods_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_payment_methods_company_id_code")),
    )
    op.create_table(
        "records",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("record_date", sa.Date(), nullable=True),
        sa.Column("party_source_id", sa.String(length=100), nullable=True),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("gross", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_records_company_id_companies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint(
            "company_id", "kind", "source_id", name=op.f("uq_records_company_id_kind_source_id")
        ),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_records_company_id_kind_party_source_id"),
            ["company_id", "kind", "party_source_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_records_company_id_kind_record_date"),
            ["company_id", "kind", "record_date"],
            unique=False,
        )

    op.create_table(
        "vat_rates",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("percent", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("treatment", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_vat_rates_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vat_rates")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_vat_rates_company_id_code")),
    )
    op.create_table(
        "record_findings",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_findings_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_findings")),
    )
    with op.batch_alter_table("record_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_findings_record_id"), ["record_id"], unique=False)

    op.create_table(
        "record_parents",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("parent_kind", sa.String(length=30), nullable=False),
        sa.Column("parent_source_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_parents_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_parents")),
    )
    with op.batch_alter_table("record_parents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_parents_parent_kind_parent_source_id"),
            ["parent_kind", "parent_source_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_record_parents_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("record_parents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_parents_record_id"))
        batch_op.drop_index(batch_op.f("ix_record_parents_parent_kind_parent_source_id"))

    op.drop_table("record_parents")
    with op.batch_alter_table("record_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_findings_record_id"))

    op.drop_table("record_findings")
    op.drop_table("vat_rates")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_company_id_kind_record_date"))
        batch_op.drop_index(batch_op.f("ix_records_company_id_kind_party_source_id"))

    op.drop_table("records")
    op.drop_table("payment_methods")
    op.drop_table("nominal_accounts")
    op.drop_table("companies")
