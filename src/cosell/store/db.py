"""The database handle: engine set-up, read and write transactions, schema upgrade.

SQLite is the embedded default. There every write transaction starts with
`BEGIN IMMEDIATE`, so two writers queue on the lock at once instead of failing
half-way with "database is locked"; WAL lets readers go on meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_IMMEDIATE = "cosell_immediate"


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("an in-memory SQLite database cannot be shared; use a file")
        else:
            kwargs["pool_pre_ping"] = True
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot; rolled back at the end)."""
        with self.engine.connect() as conn, conn.begin() as tx:
            yield conn
            tx.rollback()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed if the block ends normally, else rolled back."""
        with self.engine.connect() as conn:
            conn.info[_IMMEDIATE] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop(_IMMEDIATE, None)

    def upgrade(self) -> None:
        """Create the schema or bring it to the newest migration."""
        from alembic import command  # imported here: slow, and only `init` needs it

        with self.engine.begin() as conn:
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("cosell.store").joinpath("migrations"))
    )
    return cfg


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # Bulk reads touch thousands of rows spread over the file: keep it mapped
        # and cached instead of paying a read() per 4 KiB page.
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get(_IMMEDIATE) else "BEGIN")


def sqlite_null_pool(url: str) -> Engine:
    """An engine without pooling, for tools that open a database briefly."""
    return create_engine(url, poolclass=NullPool)
