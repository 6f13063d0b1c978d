"""connection consents

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-02 16:20:00.000000

A connection keeps what its user allowed ledgerlink to make in the package (the service items a
package's invoice lines need, say), asked at the mapping step. Connections made before this revision
have allowed nothing: theirs stays empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consents", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("consents")
