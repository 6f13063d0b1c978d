"""Alembic's environment for the store's schema; `versions/` holds one numbered file per change."""
