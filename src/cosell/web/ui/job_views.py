"""Imports and exports as the pages show them.

Which jobs a person may see is `services.job_access`'s rule, the same as the API's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from babel import numbers

from cosell.domain.actor import Actor
from cosell.domain.job_summaries import ImportSummary
from cosell.domain.job_types import JobKind, JobRecord, JobStatus
from cosell.i18n import _, current_locale
from cosell.services import job_access
from cosell.services.uow import Backend

IMPORT, EXPORT = JobKind.IMPORT, JobKind.EXPORT
_NO_COUNTS = ImportSummary()


def _count(value: int) -> str:
    return numbers.format_decimal(value, format="#,##0", locale=current_locale())


@dataclass(frozen=True, slots=True)
class JobView:
    """A job with what its card and table rows show."""

    job: JobRecord

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def status(self) -> JobStatus:
        return self.job.status

    @property
    def pending(self) -> bool:
        return not self.job.finished

    @property
    def counts(self) -> ImportSummary:
        """An import's counts and rows (all 0 before it finished, or when unreadable)."""
        return self.job.import_summary or _NO_COUNTS

    @property
    def message(self) -> str:
        """An export's result: "5,000 of 7,214 exported — narrow the filters", in the
        reader's language (the job keeps it in English for the API)."""
        summary = self.job.export_summary
        if summary is None:
            return ""
        if not summary.truncated:
            return _("%(rows)s exported", rows=_count(summary.rows))
        if "more than" in summary.message:  # the count of matches was not exact
            return _(
                "%(rows)s of more than %(matched)s exported — narrow the filters",
                rows=_count(summary.rows),
                matched=_count(summary.matched),
            )
        return _(
            "%(rows)s of %(matched)s exported — narrow the filters",
            rows=_count(summary.rows),
            matched=_count(summary.matched),
        )

    @property
    def dry_run(self) -> bool:
        options = self.job.import_options
        return options is not None and options.dry_run

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
        found = list(self.counts.errors)
        if not found and self.job.error:
            found = [self.job.error]
        return found

    @property
    def warnings(self) -> list[str]:
        return list(self.counts.warnings)

    @property
    def row_warnings(self) -> list[tuple[int, list[str]]]:
        return [(w.row, list(w.warnings)) for w in self.counts.row_warnings]

    @property
    def failures(self) -> list[tuple[int, list[str]]]:
        return [(f.row, list(f.errors)) for f in self.counts.failures]

    @property
    def export_format(self) -> str:
        options = self.job.export_options
        return options.format if options is not None else "csv"

    @property
    def export_lang(self) -> str | None:
        options = self.job.export_options
        return options.lang if options is not None else None

    @property
    def export_delimiter(self) -> str:
        options = self.job.export_options
        return options.delimiter if options is not None else ","

    @property
    def shown_filters(self) -> dict[str, Any]:
        """An export's filters that are set, as it keeps them (dates and amounts as text)."""
        options = self.job.export_options
        filters: dict[str, Any] = options.to_json()["filters"] if options is not None else {}
        return filters

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
        summary = self.job.import_summary or self.job.export_summary
        if summary is None:
            return ""
        seconds = summary.duration_s
        locale = current_locale()
        if seconds < 1:
            return f"{numbers.format_decimal(round(seconds * 1000), locale=locale)} ms"
        return f"{numbers.format_decimal(seconds, format='#,##0.0', locale=locale)} s"

    @property
    def file_name(self) -> str:
        return self.job.file_name or ""


def own_jobs(db: Backend, actor: Actor, kind: JobKind, limit: int = 20) -> list[JobView]:
    """Past jobs as the API lists them: the organization's for an admin, else the user's."""
    return [JobView(job) for job in job_access.list_jobs(db, actor, kind, limit)]


def latest(db: Backend, actor: Actor, kind: JobKind) -> JobView | None:
    """The user's own latest job (the "last processed file" card, the export notice)."""
    found = job_access.list_jobs(db, actor, kind, 1, mine=True)
    return JobView(found[0]) if found else None


def own_job(db: Backend, actor: Actor, job_id: str, kind: JobKind) -> JobView:
    return JobView(job_access.find_job(db, actor, job_id, kind))


def output_file(db: Backend, actor: Actor, view: JobView) -> tuple[str, bytes]:
    """(name, bytes) of the job's results or export file."""
    return job_access.job_file(db, actor, view.job, f"{view.job.kind} file")
