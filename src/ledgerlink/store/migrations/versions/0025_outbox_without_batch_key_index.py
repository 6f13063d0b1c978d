"""outbox without the batch-key index

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 14:20:00.000000

No query finds outbox entries by their batch key: the entries of a batch left uncertain are grouped
by it after they are read by state. The index cost a write at every move of every entry, twice a
record a send (marked on its way, then its outcome), and served nothing.
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_entries_connection_id_batch_key"))


def downgrade() -> None:
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_entries_connection_id_batch_key"),
            ["connection_id", "batch_key"],
            unique=False,
        )
