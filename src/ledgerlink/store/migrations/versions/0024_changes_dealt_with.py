"""changes dealt with

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-02 17:00:00.000000

A change from the package left for a person can be marked dealt with (by whom, when, with a note),
and the mark taken off again. Changes kept before this revision are not marked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dealt_with_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("dealt_with_by", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("dealt_with_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("inbound_changes", schema=None) as batch_op:
        batch_op.drop_column("dealt_with_note")
        batch_op.drop_column("dealt_with_by")
        batch_op.drop_column("dealt_with_at")
