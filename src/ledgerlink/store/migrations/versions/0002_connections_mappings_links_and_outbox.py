"""connections, mappings, links and the outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:53:53.824182
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("package", sa.String(length=30), nullable=False),
        sa.Column("business_id", sa.String(length=100), nullable=False),
        sa.Column("business_name", sa.String(length=200), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("onboarding_path", sa.String(length=30), nullable=False),
        sa.Column("cut_off_date", sa.Date(), nullable=True),
        sa.Column("send_mode", sa.String(length=20), nullable=False),
        sa.Column("send_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("sealed_tokens", sa.Text(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_generation", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lists_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("steps_done", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_connections_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint(
            "company_id", "package", "business_id", name=op.f("uq_connections_company_id_package_business_id")
        ),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connections_company_id"), ["company_id"], unique=False)

    op.create_table(
        "links",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("connection_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_kind", sa.String(length=30), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("package_id", sa.String(length=100), nullable=False),
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("version_sent", sa.String(length=40), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_links_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint(
            "connection_id",
            "record_kind",
            "package_id",
            name=op.f("uq_links_connection_id_record_kind_package_id"),
        ),
        sa.UniqueConstraint(
            "connection_id",
            "record_kind",
            "source_id",
            name=op.f("uq_links_connection_id_record_kind_source_id"),
        ),
    )
    op.create_table(
        "mappings",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("connection_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("mapping_kind", sa.String(length=20), nullable=False),
        sa.Column("jobs_code", sa.String(length=100), nullable=False),
        sa.Column("package_id", sa.String(length=100), nullable=False),
        sa.Column("set_by", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_mappings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mappings")),
        sa.UniqueConstraint(
            "connection_id",
            "mapping_kind",
            "jobs_code",
            name=op.f("uq_mappings_connection_id_mapping_kind_jobs_code"),
        ),
    )
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mappings_connection_id"), ["connection_id"], unique=False)

    op.create_table(
        "outbox_entries",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("connection_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_kind", sa.String(length=30), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("record_version", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("batch_key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_field", sa.String(length=200), nullable=False),
        sa.Column("blocked_by", sa.String(length=200), nullable=False),
        sa.Column("package_id", sa.String(length=100), nullable=False),
        sa.Column("total_difference", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("changed_after_sending", sa.Text(), nullable=False),
        sa.Column("sent_summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_outbox_entries_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_outbox_entries_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_entries")),
        sa.UniqueConstraint(
            "connection_id",
            "record_kind",
            "source_id",
            "step",
            name=op.f("uq_outbox_entries_connection_id_record_kind_source_id_step"),
        ),
    )
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_entries_connection_id_batch_key"),
            ["connection_id", "batch_key"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_entries_connection_id_state_record_kind_step"),
            ["connection_id", "state", "record_kind", "step"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_outbox_entries_record_id"), ["record_id"], unique=False)

    op.create_table(
        "package_list_items",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("connection_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("list_name", sa.String(length=20), nullable=False),
        sa.Column("package_id", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gone_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_package_list_items_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_list_items")),
        sa.UniqueConstraint(
            "connection_id",
            "list_name",
            "package_id",
            name=op.f("uq_package_list_items_connection_id_list_name_package_id"),
        ),
    )
    with op.batch_alter_table("package_list_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_package_list_items_connection_id"), ["connection_id"], unique=False
        )

    op.create_table(
        "outbox_attempts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["outbox_entries.id"],
            name=op.f("fk_outbox_attempts_entry_id_outbox_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
    )
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_attempts_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_attempts_entry_id"))

    op.drop_table("outbox_attempts")
    with op.batch_alter_table("package_list_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_list_items_connection_id"))

    op.drop_table("package_list_items")
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_entries_record_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_entries_connection_id_state_record_kind_step"))
        batch_op.drop_index(batch_op.f("ix_outbox_entries_connection_id_batch_key"))

    op.drop_table("outbox_entries")
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mappings_connection_id"))

    op.drop_table("mappings")
    op.drop_table("links")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connections_company_id"))

    op.drop_table("connections")
