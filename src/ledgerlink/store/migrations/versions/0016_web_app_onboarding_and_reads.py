"""company onboarding path, records by when they changed, notices sent

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 12:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("onboarding_path", sa.String(length=30), nullable=True))
    with op.batch_alter_table("records") as batch:
        batch.create_index(
            batch.f("ix_records_company_id_kind_updated_at"),
            ["company_id", "kind", "updated_at"],
            unique=False,
        )

    op.create_table(
        "notices_sent",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_notices_sent_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices_sent")),
        sa.UniqueConstraint("company_id", "kind", "day", name=op.f("uq_notices_sent_company_id_kind_day")),
    )


def downgrade() -> None:
    op.drop_table("notices_sent")
    with op.batch_alter_table("records") as batch:
        batch.drop_index(batch.f("ix_records_company_id_kind_updated_at"))
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("onboarding_path")
