"""The import pipeline (SPEC §3): one code path for dry run and real run.

1. `prepare`  — bytes → table → column map → one record per row (pure; may reject the file)
2. `apply`    — load what the rows reference in bulk, decide every row, write all valid
               changes, the history and the results file through one connection (the
               caller's transaction), so a crash leaves everything or nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection

from cosell.domain.cells import DateOrder
from cosell.domain.date_order import file_date_order
from cosell.domain.decide import Context, Decision, Outcome
from cosell.domain.fields import Field
from cosell.domain.headers import ColumnMap, header_score, map_columns
from cosell.domain.rows import RowError, RowParser, RowRecord
from cosell.errors import ConcurrentChange, FileRejected, UsageError
from cosell.files.reader import read_table
from cosell.files.table import Table
from cosell.services.actor import Actor
from cosell.services.import_matching import (
    Found,
    Match,
    decide_row,
    duplicate_rows,
    fail_stale_rows,
    load_lookalikes,
    row_keys,
)
from cosell.services.results import RowResult, render_results
from cosell.settings import Settings
from cosell.store import accounts
from cosell.store.referrals import ReferralRepository, history_entry

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    match: Match = "referral-id"
    #: how to read `01/02/2027`; None: from the file itself (see `dates`)
    date_order: DateOrder | None = None
    #: apply rows whose deal changed since the file's Row Version anyway
    overwrite_newer: bool = False
    #: create rows that look like an existing deal anyway
    allow_duplicates: bool = False

    def __post_init__(self) -> None:
        if self.match not in ("referral-id", "crm-id"):
            raise UsageError(f'match must be referral-id or crm-id, not "{self.match}"')
        if self.date_order not in (None, "MDY", "DMY", "YMD"):
            raise UsageError(f'date order must be MDY, DMY or YMD, not "{self.date_order}"')

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "match": self.match,
            "date_order": self.date_order,
            "overwrite_newer": self.overwrite_newer,
            "allow_duplicates": self.allow_duplicates,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportOptions:
        return cls(
            dry_run=bool(data.get("dry_run", False)),
            match=data.get("match", "referral-id"),
            date_order=data.get("date_order"),
            overwrite_newer=bool(data.get("overwrite_newer", False)),
            allow_duplicates=bool(data.get("allow_duplicates", False)),
        )


@dataclass(slots=True)
class Prepared:
    table: Table
    column_map: ColumnMap
    records: list[RowRecord]
    warnings: list[str]
    #: how the file's ambiguous dates read when they change a deal (None: not known)
    date_order: DateOrder | None = None


@dataclass(slots=True)
class ImportResult:
    status: Literal["completed", "rejected"]
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    duration_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)
    results_file: bytes | None = None
    results_format: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "duration_s": round(self.duration_s, 4),
            "errors": self.errors,
            "warnings": self.warnings,
            "failures": [
                {"row": r.number, "errors": [str(e) for e in r.errors]}
                for r in self.results
                if r.outcome is Outcome.FAILED
            ],
            "row_warnings": [
                {"row": r.number, "warnings": r.warnings} for r in self.results if r.warnings
            ],
        }


def rejected(message: str, dry_run: bool, started: float) -> ImportResult:
    return ImportResult(
        status="rejected",
        dry_run=dry_run,
        errors=[message],
        duration_s=time.perf_counter() - started,
    )


# ------------------------------------------------------------------ stage 1
def prepare(
    data: bytes, options: ImportOptions, settings: Settings, progress: Progress | None = None
) -> Prepared:
    """Read and parse the whole file without touching the database. Raises FileRejected."""
    table = read_table(data, header_score=header_score, max_bytes=settings.max_upload_bytes)
    column_map = map_columns(table.headers, max_items=settings.max_group_items)
    count = len(table.rows)
    if count == 0:
        raise FileRejected("The file has a header row but no data rows; nothing to import")
    if count > settings.max_import_rows:
        raise FileRejected(
            f"The file has {count:,} records; at most {settings.max_import_rows:,} can be processed"
        )
    idx = column_map.fields.get(Field.CLOSE_DATE)
    order, contradicting = file_date_order(
        ((row.number, row.cells[idx]) for row in table.rows if idx < len(row.cells))
        if idx is not None
        else (),
        options.date_order,
        european=table.delimiter == ";" or column_map.localized,
    )
    # Only the user's own choice reads dates strictly: an order the file suggests still
    # lets an ambiguous date that equals the stored one either way count as unchanged.
    parser = RowParser(
        column_map,
        table.headers,
        decimal_comma=table.delimiter == ";",
        date_order=options.date_order,
    )
    records: list[RowRecord] = []
    step = max(1, count // 4)
    for i, row in enumerate(table.rows, start=1):
        record = parser.parse(row.number, row.cells)
        if row.number in contradicting:
            record.values.pop(Field.CLOSE_DATE, None)
            record.errors.append(
                RowError(record.column(Field.CLOSE_DATE), contradicting[row.number])
            )
        records.append(record)
        if progress is not None and i % step == 0:
            progress(i, count)
    warnings = [w for w in column_map.warnings if "Import Result" not in w]
    return Prepared(table, column_map, records, warnings, order)


# ------------------------------------------------------------------ stage 2
def apply(
    conn: Connection,
    actor: Actor,
    prepared: Prepared,
    options: ImportOptions,
    *,
    now: dt.datetime,
    job_id: str | None,
    started: float,
) -> ImportResult:
    """Decide every row and, unless dry run, write the changes through `conn`.

    Raises `ConcurrentChange` when another writer changed a deal between the read
    and the write (possible on PostgreSQL): nothing must then be committed, and
    the caller runs the import again on a fresh transaction."""
    repo = ReferralRepository(conn, actor)
    records = prepared.records
    keys = row_keys(records, options.match)
    if not options.dry_run and any(k is None or k[0] == "crm" for k in keys):
        # Before reading: a concurrent import of the same rows must see what this one
        # creates (see `lock_creates`). Files that only update need no lock, the
        # version compare-and-set guards them.
        repo.lock_creates()
    duplicates = duplicate_rows(records, keys)
    found = Found(
        by_id=repo.by_referral_ids(k[1] for k in keys if k and k[0] == "id"),
        by_crm=repo.by_crm_ids(k[1] for k in keys if k and k[0] == "crm"),
        by_engagement=repo.by_engagement_ids(k[1] for k in keys if k and k[0] == "eng"),
    )
    load_lookalikes(repo, records, keys, found)
    referenced = {line.solution_id for r in records for line in (r.solutions or ())}
    ctx = Context(
        role=actor.role,
        email_key=actor.email_key,
        catalog=accounts.known_solutions(conn, actor.org_id, referenced),
        now=now,
        date_order=prepared.date_order,
    )

    decisions: list[Decision] = []
    for record, key in zip(records, keys, strict=True):
        if record.number in duplicates:
            errors = [*record.errors, duplicates[record.number]]
            decisions.append(Decision(record.number, Outcome.FAILED, errors=errors))
            continue
        decisions.append(
            decide_row(record, key, found, ctx, allow_duplicates=options.allow_duplicates)
        )
    if not options.overwrite_newer:
        fail_stale_rows(repo, records, decisions)

    creates = [d for d in decisions if d.outcome is Outcome.CREATED]
    updates = [d for d in decisions if d.outcome is Outcome.UPDATED]
    if not options.dry_run:
        source = "import"
        new_pks = repo.insert_many([d.referral for d in creates if d.referral], actor.user_id)
        pairs = [(int(d.referral.extra["pk"]), d.referral) for d in updates if d.referral]
        if repo.update_many(pairs) != len(pairs):
            raise ConcurrentChange("a deal of the file changed while the file was imported")
        history = [
            history_entry(pk, actor, source, "created", {}, now, job_id, version=1)
            for pk in new_pks
        ] + [
            history_entry(
                pk, actor, source, "updated", d.changes, now, job_id,
                version=ref.version, before=d.before,
            )
            for (pk, ref), d in zip(pairs, updates, strict=True)
        ]  # fmt: skip
        repo.add_history(history)

    results = [
        RowResult(
            d.number,
            d.outcome,
            d.errors,
            d.referral.id if d.referral else None,
            d.referral.engagement_id if d.referral else None,
            d.referral.version if d.referral and d.outcome is not Outcome.FAILED else None,
            d.warnings,
        )
        for d in decisions
    ]
    counts = {o: 0 for o in Outcome}
    for r in results:
        counts[r.outcome] += 1
    result = ImportResult(
        status="completed",
        dry_run=options.dry_run,
        rows=len(results),
        created=counts[Outcome.CREATED],
        updated=counts[Outcome.UPDATED],
        unchanged=counts[Outcome.UNCHANGED],
        failed=counts[Outcome.FAILED],
        warnings=prepared.warnings,
        results=results,
        results_format=prepared.table.format,
    )
    result.results_file = render_results(prepared.table, prepared.column_map, results)
    result.duration_s = time.perf_counter() - started
    return result
