"""outbox state index in id order

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 00:10:00.000000

A send reads a step's waiting entries a chunk at a time, in the order they were made. On SQLite
the index on (connection, state, kind, step) gave them in that order already (every index ends in
the row id); on PostgreSQL it did not, and each chunk read every waiting entry of the step to sort
them, or walked the whole table by id past every other company's entries. With the id as its last
column the index gives each chunk in order on both, and only the chunk is read.
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_entries_connection_id_state_record_kind_step"))
        batch_op.create_index(
            batch_op.f("ix_outbox_entries_connection_id_state_record_kind_step_id"),
            ["connection_id", "state", "record_kind", "step", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_entries_connection_id_state_record_kind_step_id"))
        batch_op.create_index(
            batch_op.f("ix_outbox_entries_connection_id_state_record_kind_step"),
            ["connection_id", "state", "record_kind", "step"],
            unique=False,
        )
