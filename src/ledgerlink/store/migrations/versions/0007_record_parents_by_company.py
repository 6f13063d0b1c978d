"""record parents by company

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_parents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
    op.execute(
        "UPDATE record_parents SET company_id = "
        "(SELECT records.company_id FROM records WHERE records.id = record_parents.record_id)"
    )
    with op.batch_alter_table("record_parents", schema=None) as batch_op:
        batch_op.alter_column(
            "company_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_record_parents_company_id_companies"),
            "companies",
            ["company_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_index(batch_op.f("ix_record_parents_parent_kind_parent_source_id"))
        batch_op.create_index(
            batch_op.f("ix_record_parents_company_id_parent_kind_parent_source_id"),
            ["company_id", "parent_kind", "parent_source_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("record_parents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_parents_company_id_parent_kind_parent_source_id"))
        batch_op.create_index(
            batch_op.f("ix_record_parents_parent_kind_parent_source_id"),
            ["parent_kind", "parent_source_id"],
            unique=False,
        )
        batch_op.drop_constraint(batch_op.f("fk_record_parents_company_id_companies"), type_="foreignkey")
        batch_op.drop_column("company_id")
