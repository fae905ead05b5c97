"""Jobs as every layer sees them: their kinds and statuses, the options a job keeps, and
the job itself (`JobRecord`). What a finished job reports is in `job_summaries`.

Options are checked when they are made, and each kind reads and writes its stored JSON
form (`to_json` / `from_json`). Stored options that can no longer be used (an older
version's, a hand edit's) read as `UnreadableOptions` saying why, never as a crash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from cosell.domain.cells import DateOrder
from cosell.domain.filters import ReferralFilters, Tab
from cosell.domain.header_names import headers_for
from cosell.domain.job_summaries import (
    ExportSummary,
    ImportSummary,
    JobSummary,
    JsonSummary,
    described,
)
from cosell.domain.mapping import ColumnMapping
from cosell.errors import UsageError
from cosell.i18n import Msg


class JobKind(StrEnum):
    IMPORT = "import"
    EXPORT = "export"
    #: written finished, in the transaction of its changes; never queued
    UNDO = "undo"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.REJECTED, JobStatus.FAILED)


Match = Literal["referral-id", "crm-id"]
ExportFormat = Literal["csv", "xlsx"]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    match: Match = "referral-id"
    #: how to read `01/02/2027`; None: from the file itself
    date_order: DateOrder | None = field(
        default=None, metadata=described("how 01/02/2027 was read; null: from the file itself")
    )
    #: apply rows whose deal changed since the file's Row Version anyway
    overwrite_newer: bool = False
    #: create rows that look like an existing deal anyway
    allow_duplicates: bool = False
    #: how the file's columns become ours (a file from another system); None: they are
    mapping: ColumnMapping | None = field(
        default=None, metadata=described("the column mapping, if any")
    )
    #: the saved profile the mapping came from, if any (shown with the job)
    mapping_profile: str | None = None

    def __post_init__(self) -> None:
        if self.match not in ("referral-id", "crm-id"):
            raise UsageError(
                Msg('match must be referral-id or crm-id, not "%(value)s"', value=self.match)
            )
        if self.date_order not in (None, "MDY", "DMY", "YMD"):
            raise UsageError(
                Msg('date order must be MDY, DMY or YMD, not "%(value)s"', value=self.date_order)
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "match": self.match,
            "date_order": self.date_order,
            "overwrite_newer": self.overwrite_newer,
            "allow_duplicates": self.allow_duplicates,
            **({"mapping": self.mapping.to_json()} if self.mapping is not None else {}),
            **({"mapping_profile": self.mapping_profile} if self.mapping_profile else {}),
        }

    @classmethod
    def from_json(cls, data: Any) -> ImportOptions:
        """The stored options; UsageError saying why when they cannot be used."""
        if not isinstance(data, dict):
            raise UsageError("they are not a JSON object")
        for name in ("dry_run", "overwrite_newer", "allow_duplicates"):
            if not isinstance(data.get(name, False), bool):
                raise UsageError(f"{name} is not true or false")
        return cls(
            dry_run=data.get("dry_run", False),
            match=data.get("match", "referral-id"),
            date_order=data.get("date_order"),
            overwrite_newer=data.get("overwrite_newer", False),
            allow_duplicates=data.get("allow_duplicates", False),
            mapping=ColumnMapping.from_json(data["mapping"]) if data.get("mapping") else None,
            mapping_profile=profile
            if isinstance(profile := data.get("mapping_profile"), str)
            else None,
        )


_DAYS = ("created_from", "created_to", "close_from", "close_to")
_AMOUNTS = ("value_min", "value_max")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    filters: ReferralFilters = field(default_factory=ReferralFilters)
    format: ExportFormat = "csv"
    lang: str | None = None
    delimiter: str = ","

    def __post_init__(self) -> None:
        if self.format not in ("csv", "xlsx"):
            raise UsageError(Msg('format must be csv or xlsx, not "%(value)s"', value=self.format))
        if self.delimiter not in (",", ";"):
            raise UsageError(
                Msg('delimiter must be "," or ";", not "%(value)s"', value=self.delimiter)
            )
        headers_for(self.lang)  # validates the language early
        self.filters.check()

    def to_json(self) -> dict[str, Any]:
        """The stored form: the filters that are set (dates and amounts as text)."""
        f = self.filters
        filters = {
            name: getattr(f, name)
            for name in ReferralFilters.__dataclass_fields__
            if getattr(f, name) not in (None, [], "")
        }
        filters["tab"] = f.tab.value
        for name in _DAYS:
            if name in filters:
                filters[name] = filters[name].isoformat()
        for name in _AMOUNTS:
            if name in filters:
                filters[name] = str(filters[name])
        return {
            "filters": filters,
            "format": self.format,
            "lang": self.lang,
            "delimiter": self.delimiter,
        }

    @classmethod
    def from_json(cls, data: Any) -> ExportOptions:
        """The stored options; UsageError saying why when they cannot be used (stored by
        an older version, or by hand), never another exception."""
        try:
            if not isinstance(data, dict):
                raise TypeError("they are not a JSON object")
            raw = dict(data.get("filters") or {})
            raw["tab"] = Tab(raw.get("tab", "all"))
            for name in _DAYS:
                if name in raw:
                    raw[name] = dt.date.fromisoformat(raw[name])
            for name in _AMOUNTS:
                if name in raw:
                    raw[name] = Decimal(raw[name])
            return cls(
                filters=ReferralFilters(**raw),
                format=data.get("format", "csv"),
                lang=data.get("lang"),
                delimiter=data.get("delimiter", ","),
            )
        except UsageError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
            raise UsageError(f"a value cannot be read ({exc})") from None


@dataclass(frozen=True, slots=True)
class UndoOptions:
    #: the import it undid
    target: str
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "dry_run": self.dry_run}

    @classmethod
    def from_json(cls, data: Any) -> UndoOptions:
        if not isinstance(data, dict) or not isinstance(data.get("target"), str):
            raise UsageError("they name no import")
        return cls(data["target"], data.get("dry_run") is True)


@dataclass(frozen=True, slots=True)
class UnreadableOptions:
    """Stored options this version cannot use, and why (for people)."""

    reason: str


StoredOptions = ImportOptions | ExportOptions | UndoOptions
JobOptions = StoredOptions | UnreadableOptions
_OPTIONS: dict[JobKind, Any] = {
    JobKind.IMPORT: ImportOptions,
    JobKind.EXPORT: ExportOptions,
    JobKind.UNDO: UndoOptions,
}


def options_from_json(kind: JobKind, data: Any) -> JobOptions:
    """A job's stored options (`data`: the parsed JSON, None when it was not JSON)."""
    if not isinstance(data, dict):
        return UnreadableOptions("the stored options are not a JSON object")
    try:
        options: StoredOptions = _OPTIONS[kind].from_json(data)
    except UsageError as exc:
        return UnreadableOptions(exc.message)
    return options


def summary_from_json(kind: JobKind, data: Any) -> JobSummary | None:
    """A job's stored summary; None when there is none or it does not fit."""
    if not isinstance(data, dict):
        return None
    if kind is JobKind.IMPORT:
        return ImportSummary.from_json(data)
    if kind is JobKind.EXPORT:
        return ExportSummary.from_json(data)
    return JsonSummary(data)


@dataclass(slots=True)
class JobRecord:
    id: str
    org_id: int
    user_id: int
    kind: JobKind
    status: JobStatus
    options: JobOptions
    file_name: str | None
    input_blob_id: str | None
    result_blob_id: str | None
    progress: int
    total: int
    #: what the finished job reports (None before, or when it cannot be read)
    summary: JobSummary | None
    error: str | None
    attempts: int
    heartbeat_at: dt.datetime | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    #: the undo job that undid this import
    undone_by: str | None = None

    @property
    def finished(self) -> bool:
        return self.status.finished

    @property
    def import_options(self) -> ImportOptions | None:
        """An import's options; None for another kind's, or options it cannot use."""
        return self.options if isinstance(self.options, ImportOptions) else None

    @property
    def export_options(self) -> ExportOptions | None:
        return self.options if isinstance(self.options, ExportOptions) else None

    @property
    def import_summary(self) -> ImportSummary | None:
        """A finished import's summary; None for another kind's, or one it cannot read."""
        return self.summary if isinstance(self.summary, ImportSummary) else None

    @property
    def export_summary(self) -> ExportSummary | None:
        return self.summary if isinstance(self.summary, ExportSummary) else None
