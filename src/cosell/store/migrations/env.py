"""Alembic environment: migrations run on the connection cosell hands over."""

from __future__ import annotations

from alembic import context

from cosell.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through cosell.store.db.Database.upgrade()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
