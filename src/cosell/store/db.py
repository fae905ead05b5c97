"""The database handle: engine set-up, read and write transactions, schema upgrade.

SQLite is the embedded default. There every write transaction starts with
`BEGIN IMMEDIATE`, so two writers queue on the lock at once instead of failing
half-way with "database is locked"; WAL lets readers go on meanwhile.

PostgreSQL is for scale-out, where processes on other machines can hang or vanish
while they hold locks. Every session there is opened with TCP keepalives (a peer
gone without a word is noticed in about a minute) and an
`idle_in_transaction_session_timeout` (a process stopped inside a transaction loses
its session and its locks after `idle_transaction_seconds`), and a write may set a
`lock_timeout` so upkeep gives up rather than queue behind such a process. Schema
upgrades take an advisory lock: several servers started at once upgrade one after
the other instead of failing on each other's half-made tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cosell.errors import DatabaseNotInitialized, DatabaseUnavailable

_IMMEDIATE = "cosell_immediate"

#: The advisory lock key schema upgrades hold on PostgreSQL (any fixed number will do).
_UPGRADE_LOCK = 0x636F73656C6C  # "cosell"

#: libpq's TCP keepalives: first probe after 30 s idle, then every 10 s, 3 misses.
_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def engine_url(url: str) -> str:
    """The SQLAlchemy URL of a database URL as people write it: `postgres://` and
    `postgresql://` (the forms of libpq, Heroku and most hosting) use psycopg 3."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() in ("postgres", "postgresql", "postgres+psycopg"):
        return f"postgresql+psycopg://{rest}"
    return url


class Database:
    """The database handle: `read`/`write` give the store a connection. The services'
    backend on top of it is `store.sql_backend.SqlBackend`."""

    def __init__(self, url: str, *, idle_transaction_seconds: float = 60.0) -> None:
        self.url = url
        parsed = make_url(engine_url(url))
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("an in-memory SQLite database cannot be shared; use a file")
        else:
            kwargs["pool_pre_ping"] = True
            idle_ms = max(1, round(idle_transaction_seconds * 1000))
            kwargs["connect_args"] = {
                **_KEEPALIVES,
                "options": f"-c idle_in_transaction_session_timeout={idle_ms}",
            }
        self.engine: Engine = create_engine(parsed, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot; rolled back at the end)."""
        with _driver_errors(), self.engine.connect() as conn, conn.begin() as tx:
            yield conn
            tx.rollback()

    @contextmanager
    def write(self, *, lock_timeout: float | None = None) -> Iterator[Connection]:
        """A write transaction: committed if the block ends normally, else rolled back.

        With `lock_timeout` (seconds; PostgreSQL), a statement that waits longer than
        that for a row lock fails with `DatabaseUnavailable` instead of waiting on."""
        with _driver_errors(), self.engine.connect() as conn:
            conn.info[_IMMEDIATE] = True
            try:
                with conn.begin():
                    if lock_timeout is not None and not self.is_sqlite:
                        ms = max(1, round(lock_timeout * 1000))
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
                    yield conn
            finally:
                conn.info.pop(_IMMEDIATE, None)

    def is_unavailable(self, error: BaseException) -> bool:
        """Whether `error` came from the database (unreachable, refused, timed out)."""
        return isinstance(error, (DatabaseUnavailable, SQLAlchemyError))

    def upgrade(self) -> None:
        """Create the schema or bring it to the newest migration. On PostgreSQL under
        an advisory lock, so any number of processes may call it at the same time."""
        from alembic import command  # imported here: slow, and only `init` needs it

        with self.engine.connect() as conn:
            if not self.is_sqlite:
                # A session lock, not a transaction's: taken before the migrations'
                # transaction begins, so they run after a concurrent upgrade committed.
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _UPGRADE_LOCK})
                conn.commit()
            try:
                with conn.begin():
                    cfg = _alembic_config()
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
            finally:
                if not self.is_sqlite:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _UPGRADE_LOCK})
                    conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()


#: PostgreSQL's SQLSTATE for a table that does not exist (undefined_table).
_UNDEFINED_TABLE = "42P01"


@contextmanager
def _driver_errors() -> Iterator[None]:
    """Around a transaction: the driver's errors that mean "not now" or "not set up"
    become cosell's. A statement on a table that does not exist raises
    `DatabaseNotInitialized` (the schema was never made: `cosell init`; SQLite has no
    code of its own for it, only its message); a database that cannot be reached or
    used right now, or a pool with no connection to give, `DatabaseUnavailable`."""
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        orig = exc.orig
        missing = getattr(orig, "sqlstate", None) == _UNDEFINED_TABLE or (
            isinstance(orig, sqlite3.OperationalError) and str(orig).startswith("no such table")
        )
        if missing:
            raise DatabaseNotInitialized() from exc
        if isinstance(exc, OperationalError):
            raise DatabaseUnavailable(f"the database cannot be used: {orig}") from exc
        raise
    except PoolTimeout as exc:
        raise DatabaseUnavailable(f"the database cannot be used: {exc}") from exc


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
