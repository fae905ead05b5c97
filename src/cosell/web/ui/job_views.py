"""Imports and exports as the pages show them.

Which jobs a person may see is `services.job_access`'s rule, the same as the API's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cosell.domain.actor import Actor
from cosell.services import job_access
from cosell.services.uow import Backend

IMPORT, EXPORT = "import", "export"


@dataclass(frozen=True, slots=True)
class JobView:
    """A job with what its card and table rows show."""

    job: job_access.JobRecord

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def status(self) -> str:
        return self.job.status

    @property
    def pending(self) -> bool:
        return not self.job.finished

    @property
    def summary(self) -> dict[str, Any]:
        return self.job.summary or {}

    def number(self, key: str) -> int:
        value = self.summary.get(key, 0)
        return value if isinstance(value, int) else 0

    @property
    def dry_run(self) -> bool:
        return bool(self.job.options.get("dry_run", False))

    @property
    def undone(self) -> bool:
        return self.job.undone_by is not None

    @property
    def percent(self) -> int:
        if self.job.total <= 0:
            return 0
        return min(100, round(100 * self.job.progress / self.job.total))

    @property
    def errors(self) -> list[str]:
        """File-level problems: why a file was rejected, or why the job failed."""
        found = [str(e) for e in self.summary.get("errors", [])]
        if not found and self.job.error:
            found = [self.job.error]
        return found

    @property
    def warnings(self) -> list[str]:
        return [str(w) for w in self.summary.get("warnings", [])]

    @property
    def row_warnings(self) -> list[tuple[int, list[str]]]:
        items = self.summary.get("row_warnings", [])
        return [(int(w.get("row", 0)), [str(m) for m in w.get("warnings", [])]) for w in items]

    @property
    def failures(self) -> list[tuple[int, list[str]]]:
        items = self.summary.get("failures", [])
        return [(int(f.get("row", 0)), [str(e) for e in f.get("errors", [])]) for f in items]

    @property
    def export_format(self) -> str:
        return str(self.job.options.get("format", "csv"))

    @property
    def has_file(self) -> bool:
        return self.job.result_blob_id is not None

    @property
    def created_at(self) -> dt.datetime:
        return self.job.created_at

    @property
    def finished_at(self) -> dt.datetime | None:
        return self.job.finished_at

    @property
    def duration(self) -> str:
        seconds = self.summary.get("duration_s")
        if not isinstance(seconds, int | float):
            return ""
        return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"

    @property
    def file_name(self) -> str:
        return self.job.file_name or ""

    @property
    def options(self) -> dict[str, Any]:
        return self.job.options


def own_jobs(db: Backend, actor: Actor, kind: str, limit: int = 20) -> list[JobView]:
    """Past jobs as the API lists them: the organization's for an admin, else the user's."""
    return [JobView(job) for job in job_access.list_jobs(db, actor, kind, limit)]


def latest(db: Backend, actor: Actor, kind: str) -> JobView | None:
    """The user's own latest job (the "last processed file" card, the export notice)."""
    found = job_access.list_jobs(db, actor, kind, 1, mine=True)
    return JobView(found[0]) if found else None


def own_job(db: Backend, actor: Actor, job_id: str, kind: str) -> JobView:
    return JobView(job_access.find_job(db, actor, job_id, kind))


def output_file(db: Backend, actor: Actor, view: JobView) -> tuple[str, bytes]:
    """(name, bytes) of the job's results or export file."""
    return job_access.job_file(db, actor, view.job, f"{view.job.kind} file")
