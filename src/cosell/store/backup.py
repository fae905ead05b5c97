"""Copies of the whole database: out while the service runs, and back in.

SQLite: the online backup API copies every page in one step, inside one read
transaction, so the copy is the database as of one commit, also while an import
holds its write transaction open (WAL: a reader never waits for the writer, and
never sees what is not committed). The copy is switched to a rollback journal so
that it is one self-contained file, and is checked before it is kept.

PostgreSQL: `pg_dump --format=custom` reads everything in one repeatable-read
snapshot, with the same guarantee. `pg_restore --clean --if-exists
--single-transaction` replaces the tables in one transaction, so a restore that
fails half-way changes nothing.

A backup is written to a temporary file beside OUT and renamed at the end: a
backup that fails never leaves a file behind that looks complete.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from cosell.errors import CosellError, UsageError

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_MAGIC = b"PGDMP"
#: Tables whose rows are not the operator's data: a database holding only these is
#: "empty" (a database just made by `cosell init`, or one a server has started on).
_NOT_DATA = frozenset({"alembic_version", "app_settings", "login_attempts"}) | {
    # SQLite's search index (migration 0006): derived from `referrals`, never empty
    f"referrals_fts{part}"
    for part in ("", "_data", "_idx", "_config", "_docsize", "_content")
}


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path:
    """The file of a SQLite URL (relative paths as SQLite itself reads them)."""
    name = make_url(url).database
    if not name or name == ":memory:":
        raise UsageError("an in-memory SQLite database has nothing to back up or restore")
    return Path(name)


def existing_sqlite_file(url: str) -> Path:
    """The file of a SQLite URL; refuses one that does not exist (never creates it)."""
    path = sqlite_file(url)
    if not path.is_file() or path.stat().st_size == 0:
        raise UsageError(f"the database file {path} does not exist")
    return path


@contextmanager
def _replacing(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`, renamed to `out` if the block succeeds."""
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))


# --- SQLite -------------------------------------------------------------------------


def backup_sqlite(database: Path, out: Path) -> None:
    """Copy the live database `database` to `out` (a self-contained SQLite file)."""
    if same_file(database, out):
        raise UsageError(f"{out} is the database itself; name another file for the backup")
    with _replacing(out) as tmp:
        with (
            closing(sqlite3.connect(database, timeout=30)) as source,
            closing(sqlite3.connect(tmp)) as copy,
        ):
            source.execute("PRAGMA busy_timeout = 30000")
            source.backup(copy)  # pages=-1: the whole database in one step, one snapshot
            copy.execute("PRAGMA journal_mode = DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise CosellError(f"the copy failed its check ({verdict}); {out} was not written")


def check_sqlite_backup(backup: Path) -> None:
    """Refuses anything but an undamaged SQLite file of a cosell database."""
    with backup.open("rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if head.startswith(_PG_MAGIC):
        raise UsageError(
            f"{backup} is a PostgreSQL backup (pg_dump); restore it into a PostgreSQL database"
        )
    if head != _SQLITE_MAGIC:
        raise UsageError(f"{backup} is not a cosell backup (not a SQLite database file)")
    try:
        with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as con:
            revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
            if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise UsageError(f"{backup} is damaged (SQLite's quick_check fails)")
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{backup} is not a cosell backup ({exc})") from None
    if revision is None:
        raise UsageError(f"{backup} is not a cosell backup (no schema revision)")


def restore_sqlite(backup: Path, database: Path) -> None:
    """Copy `backup` into `database` with the backup API (created if missing): other
    connections wait on the lock meanwhile, and then see the restored data."""
    with (
        closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(database, timeout=30)) as target,
    ):
        target.execute("PRAGMA busy_timeout = 30000")
        source.backup(target)
        target.execute("PRAGMA journal_mode = WAL")


# --- PostgreSQL ---------------------------------------------------------------------


def pg_program(name: str) -> str:
    """The newest installed PostgreSQL program `name` (a newer client reads any older
    server), else PATH's. Also what the scale-out script, the benchmark and the tests
    start a PostgreSQL server with."""

    def version(path: str) -> int:
        found = re.search(r"/postgresql/(\d+)/bin/", path)
        return int(found.group(1)) if found else 0

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    tool = found[-1] if found else shutil.which(name)
    if tool is None:
        raise UsageError(
            f"PostgreSQL's {name} was not found: install postgresql (make system-deps)"
        )
    return tool


def _pg_target(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection string of a URL, and the environment carrying its password
    (so it never shows in the process list)."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    params: dict[str, str] = {k: str(v) for k, v in parsed.query.items()}
    for key, value in (
        ("host", parsed.host),
        ("port", parsed.port),
        ("user", parsed.username),
        ("dbname", parsed.database),
    ):
        if value is not None:
            params[key] = str(value)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return make_conninfo(**params), env


def _run(tool: str, args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([pg_program(tool), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise CosellError(f"{tool} failed: {' / '.join(message[-3:]) or done.returncode}")
    return done.stdout


def backup_postgres(url: str, out: Path) -> None:
    conninfo, env = _pg_target(url)
    with _replacing(out) as tmp:
        _run(
            "pg_dump",
            [
                "--format=custom",
                "--lock-wait-timeout=60000",
                f"--file={tmp}",
                f"--dbname={conninfo}",
            ],
            env,
        )


def check_postgres_backup(backup: Path) -> None:
    """Refuses anything but a pg_dump archive of a cosell database."""
    with backup.open("rb") as f:
        head = f.read(len(_SQLITE_MAGIC))
    if head == _SQLITE_MAGIC:
        raise UsageError(f"{backup} is a SQLite backup; restore it into a SQLite database")
    if not head.startswith(_PG_MAGIC):
        raise UsageError(f"{backup} is not a cosell backup (not a pg_dump custom archive)")
    listing = _run("pg_restore", ["--list", str(backup)], dict(os.environ))
    if " TABLE DATA public alembic_version " not in listing:
        raise UsageError(f"{backup} is not a cosell backup (no alembic_version table)")


def restore_postgres(backup: Path, url: str) -> None:
    conninfo, env = _pg_target(url)
    _run(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo}",
            str(backup),
        ],
        env,
    )


def holds_data_at(url: str) -> bool:
    """`holds_data` of the database at `url` (opened for the question, then closed)."""
    from cosell.store.db import Database

    db = Database(url)
    try:
        with db.read() as conn:
            return holds_data(conn)
    finally:
        db.dispose()


def holds_data(conn: Connection) -> bool:
    """Whether any table holds a row of the operator's data."""
    return any(
        conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None
        for name in inspect(conn).get_table_names()
        if name not in _NOT_DATA
    )
