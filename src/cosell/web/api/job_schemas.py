"""JSON shapes of the list filters, and of import and export jobs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from cosell.domain.enums import MicrosoftStatus, Status, Substatus
from cosell.domain.filters import SORT_KEYS, ReferralFilters, Tab
from cosell.domain.job_summaries import ExportSummary, ImportSummary
from cosell.domain.job_types import ExportOptions, ImportOptions, JobRecord, JobStatus
from cosell.services.referrals import MAX_PAGE_SIZE
from cosell.web.api.common import utc

Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
Money = Annotated[Decimal, Field(ge=0, le=Decimal(10**15), decimal_places=2)]
# The repository adds a day to `created_to`: the last day of year 9999 has no next one.
Day = Annotated[dt.date, Field(le=dt.date(9999, 12, 30))]
_SORT = "^-?(" + "|".join(SORT_KEYS) + ")$"


class SalesStage(IntEnum):
    """Sales stage in percent (rules §1.2)."""

    CREATED = 10
    QUALIFIED = 20
    DEVELOPED = 40
    PROPOSED = 60
    NEGOTIATED = 80
    WON = 100


class FilterSpec(BaseModel):
    """The list's tab, filters and sort order (rules §4), shared by the list and export."""

    tab: Tab = Field(Tab.ALL, description="inbound = Incoming, outbound = Outgoing")
    status: list[Status] = []
    substatus: list[Substatus] = []
    ms_status: list[MicrosoftStatus] = []
    country: list[Country] = Field([], max_length=50, description="ISO alpha-2, at most 50")
    sales_stage: list[SalesStage] = []
    help_required: bool | None = None
    currency: list[Currency] = []
    created_from: Day | None = None
    created_to: Day | None = None
    close_from: Day | None = None
    close_to: Day | None = None
    value_min: Money | None = None
    value_max: Money | None = None
    solution_id: str | None = Field(None, max_length=100)
    team_email: str | None = Field(None, max_length=320)
    search: str | None = Field(
        None,
        min_length=3,
        max_length=200,
        description="in deal name, referral ID, customer name, notes and CRM ID",
    )
    sort: str = Field(
        "-created",
        pattern=_SORT,
        description=f"one of {', '.join(SORT_KEYS)}; a leading - sorts descending",
    )

    def to_filters(self) -> ReferralFilters:
        return ReferralFilters(
            tab=self.tab,
            statuses=[s.value for s in self.status],
            substatuses=[s.value for s in self.substatus],
            ms_statuses=[s.value for s in self.ms_status],
            countries=[c.upper() for c in self.country],
            sales_stages=[int(s) for s in self.sales_stage],
            help_required=self.help_required,
            currencies=[c.upper() for c in self.currency],
            created_from=self.created_from,
            created_to=self.created_to,
            close_from=self.close_from,
            close_to=self.close_to,
            value_min=self.value_min,
            value_max=self.value_max,
            solution_id=self.solution_id,
            team_email=self.team_email,
            search=self.search,
            sort=self.sort,
        )

    @classmethod
    def of(cls, f: ReferralFilters) -> FilterSpec:
        return cls(
            tab=f.tab,
            status=[Status(s) for s in f.statuses],
            substatus=[Substatus(s) for s in f.substatuses],
            ms_status=[MicrosoftStatus(s) for s in f.ms_statuses],
            country=f.countries,
            sales_stage=[SalesStage(s) for s in f.sales_stages],
            help_required=f.help_required,
            currency=f.currencies,
            created_from=f.created_from,
            created_to=f.created_to,
            close_from=f.close_from,
            close_to=f.close_to,
            value_min=f.value_min,
            value_max=f.value_max,
            solution_id=f.solution_id,
            team_email=f.team_email,
            search=f.search,
            sort=f.sort,
        )


class PagedFilterSpec(FilterSpec):
    """The filters of a list with its page number and size."""

    page: int = Field(1, ge=1, le=1_000_000)
    size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class ExportRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filters": {"tab": "outbound", "status": ["Active"], "country": ["US"]},
                    "format": "xlsx",
                    "lang": "nl",
                }
            ]
        },
    )
    filters: FilterSpec = Field(default_factory=FilterSpec)
    format: Literal["csv", "xlsx"] = "csv"
    lang: str | None = Field(
        None, max_length=20, description="header language: en (default), nl, sv, fr-fr, pt-br …"
    )
    delimiter: Literal[",", ";"] = Field(",", description='CSV only; ";" writes decimal commas')

    def to_options(self) -> ExportOptions:
        return ExportOptions(
            filters=self.filters.to_filters(),
            format=self.format,
            lang=self.lang,
            delimiter=self.delimiter,
        )


#: An import's options under the name the API has always given them.
@dataclass(frozen=True, slots=True)
class ImportOptionsOut(ImportOptions):
    @classmethod
    def of(cls, options: ImportOptions) -> ImportOptionsOut:
        return cls(**{name: getattr(options, name) for name in ImportOptions.__dataclass_fields__})


#: A job's status: one of JobStatus, its schema spelled out in place (as the API has
#: always described it) rather than as a schema of its own.
JobStatusField = Annotated[
    str,
    AfterValidator(JobStatus),
    WithJsonSchema({"type": "string", "enum": [s.value for s in JobStatus], "title": "Status"}),
]


class JobBase(BaseModel):
    id: str
    status: JobStatusField
    user_id: int = Field(description="who started it")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: int = Field(description="rows processed so far")
    total: int
    error: str | None = Field(description="why the job was rejected or failed")


class ImportJob(JobBase):
    kind: Literal["import"] = "import"
    file_name: str | None
    options: ImportOptionsOut | None = Field(
        description="null when the stored options cannot be read (`error` says why)"
    )
    summary: ImportSummary | None
    results_url: str | None = Field(description="the results file, once completed")
    undone_by: str | None = Field(None, description="the undo job that undid this import")


class ExportJob(JobBase):
    kind: Literal["export"] = "export"
    options: ExportRequest | None = Field(
        description="null when the stored options cannot be read (`error` says why)"
    )
    summary: ExportSummary | None
    file_url: str | None = Field(description="the exported file, once completed")


def _base(job: JobRecord) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "user_id": job.user_id,
        "created_at": utc(job.created_at),
        "started_at": utc(job.started_at),
        "finished_at": utc(job.finished_at),
        "progress": job.progress,
        "total": job.total,
        "error": job.error,
    }


def import_job(job: JobRecord, prefix: str) -> ImportJob:
    done = job.status is JobStatus.COMPLETED and job.result_blob_id is not None
    options = job.import_options
    return ImportJob(
        **_base(job),
        file_name=job.file_name,
        options=None if options is None else ImportOptionsOut.of(options),
        summary=job.import_summary,
        results_url=f"{prefix}/imports/{job.id}/results" if done else None,
        undone_by=job.undone_by,
    )


def export_job(job: JobRecord, prefix: str) -> ExportJob:
    done = job.status is JobStatus.COMPLETED and job.result_blob_id is not None
    options = job.export_options
    request: ExportRequest | None = None
    if options is not None:
        try:
            request = ExportRequest(
                filters=FilterSpec.of(options.filters),
                format=options.format,
                lang=options.lang,
                delimiter="," if options.delimiter == "," else ";",
            )
        except (ValidationError, ValueError):
            request = None
    return ExportJob(
        **_base(job),
        options=request,
        summary=job.export_summary,
        file_url=f"{prefix}/exports/{job.id}/file" if done else None,
    )
