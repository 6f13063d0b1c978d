"""attempt request

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 12:45:00.000000

Each attempt keeps what was asked of the package (the method and path of its last request), so the
history of an entry says what was asked, when, the status and the package's answer. Attempts kept
before this revision asked something unrecorded: theirs stays empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request", sa.String(length=300), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.drop_column("request")
