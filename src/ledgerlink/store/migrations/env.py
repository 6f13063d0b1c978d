"""Alembic's entry point: run against the connection the store hands over, never a URL of its own."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

# importing a tables module registers its tables on the one metadata
import ledgerlink.store.connection_tables
import ledgerlink.store.inbound_tables
import ledgerlink.store.people_tables
import ledgerlink.store.schedule_tables  # noqa: F401
from ledgerlink.store.tables import metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes one
    raise RuntimeError("run migrations through ledgerlink.store.migrate, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
