"""The storage the services work on, opened for an interface: the web app, the CLI and
the workers hold a `services.uow.Backend` and never the store's own types."""

from __future__ import annotations

from cosell.services.uow import Backend
from cosell.settings import Settings


def open_backend(url: str, *, idle_transaction_seconds: float = 60.0) -> Backend:
    """The database at `url` (SQLite or PostgreSQL) as a backend."""
    from cosell.store.sql_backend import SqlBackend  # imported here: the store's engine set-up

    return SqlBackend(url, idle_transaction_seconds=idle_transaction_seconds)


def backend_for(settings: Settings) -> Backend:
    """The configured database as a backend."""
    return open_backend(
        settings.database_url, idle_transaction_seconds=settings.db_idle_transaction_seconds
    )
