"""The operator's use cases: back up, restore, check (issue 7, "Backups and restore").

`backup` runs while the service runs and copies one committed state. `restore`
never lands on data by accident: over a database that holds any, it needs
`force`. `check` reads, reports and repairs nothing; what it looks for is in
`store.integrity`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from cosell.errors import Conflict, UsageError
from cosell.services.clock import utcnow
from cosell.services.uow import Backend
from cosell.settings import Settings
from cosell.store import backup as copies
from cosell.store import integrity
from cosell.store.integrity import Problem

__all__ = ["Backup", "CheckReport", "Problem", "Restore", "backup", "check", "restore"]


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    size: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Restore:
    source: Path
    revision: str
    seconds: float
    replaced: bool


@dataclass(frozen=True, slots=True)
class CheckReport:
    revision: str | None
    problems: list[Problem]
    counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems


def backup(url: str, out: Path) -> Backup:
    """A consistent copy of the database at `url` in `out` (replaced if it exists)."""
    started = time.perf_counter()
    if copies.is_sqlite(url):
        copies.backup_sqlite(copies.existing_sqlite_file(url), out)
    else:
        copies.backup_postgres(url, out)
    return Backup(out, out.stat().st_size, time.perf_counter() - started)


def restore(url: str, source: Path, *, force: bool = False) -> Restore:
    """Replace the database at `url` with the backup `source`.

    Refused (`Conflict`, nothing changed) when the database holds data and `force`
    is not given; refused (`UsageError`) when `source` is not a backup of this kind
    of database.
    """
    started = time.perf_counter()
    if not source.is_file():
        raise UsageError(f"the backup file {source} does not exist")
    target = copies.sqlite_file(url) if copies.is_sqlite(url) else None
    if target is not None:
        if copies.same_file(target, source):
            raise UsageError(f"{source} is the database itself; name the backup file to restore")
        copies.check_sqlite_backup(source)
    else:
        copies.check_postgres_backup(source)
    occupied = _holds_data(url, target)
    if occupied and not force:
        raise Conflict(
            "the database is not empty; restoring would replace its data. "
            "Back it up first, then run the restore again with --force"
        )
    if target is not None:
        copies.restore_sqlite(source, target)
    else:
        copies.restore_postgres(source, url)
    seconds = time.perf_counter() - started
    revision = integrity.schema_revision_at(url)
    return Restore(source, revision or "unknown", seconds, occupied)


def _holds_data(url: str, sqlite_file: Path | None) -> bool:
    if sqlite_file is not None and (not sqlite_file.is_file() or sqlite_file.stat().st_size == 0):
        return False  # never create the file just to look into it
    return copies.holds_data_at(url)


def check(
    db: Backend, settings: Settings, *, queued_after: dt.timedelta = dt.timedelta(minutes=10)
) -> CheckReport:
    """Every integrity check on one snapshot of the database."""
    stale = dt.timedelta(seconds=settings.job_stale_seconds)
    return CheckReport(*db.check_integrity(utcnow(), stale, queued_after))
