"""The import pipeline (SPEC §3): one code path for dry run and real run.

1. `prepare`  — bytes → table → column map → one record per row (pure; may reject the file)
2. `apply`    — load what the rows reference in bulk, decide every row, write all valid
               changes, the history and the results file through one connection (the
               caller's transaction), so a crash leaves everything or nothing.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection

from cosell.domain.cells import DateOrder
from cosell.domain.decide import Context, Decision, Outcome, decide_create, decide_update
from cosell.domain.fields import Field
from cosell.domain.headers import ColumnMap, header_score, map_columns
from cosell.domain.rows import RowError, RowParser, RowRecord
from cosell.errors import FileRejected, UsageError
from cosell.files.reader import read_table
from cosell.files.table import Table
from cosell.services.actor import Actor
from cosell.services.results import render_results
from cosell.settings import Settings
from cosell.store import accounts
from cosell.store.referrals import ReferralRepository, history_entry

Match = Literal["referral-id", "crm-id"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    match: Match = "referral-id"
    date_order: DateOrder = "MDY"

    def __post_init__(self) -> None:
        if self.match not in ("referral-id", "crm-id"):
            raise UsageError(f'match must be referral-id or crm-id, not "{self.match}"')
        if self.date_order not in ("MDY", "DMY", "YMD"):
            raise UsageError(f'date order must be MDY, DMY or YMD, not "{self.date_order}"')

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "match": self.match, "date_order": self.date_order}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportOptions:
        return cls(
            dry_run=bool(data.get("dry_run", False)),
            match=data.get("match", "referral-id"),
            date_order=data.get("date_order", "MDY"),
        )


@dataclass(slots=True)
class RowResult:
    """What happened to one row; every report is a view of these."""

    number: int
    outcome: Outcome
    errors: list[RowError] = field(default_factory=list)
    referral_id: str | None = None
    engagement_id: str | None = None


@dataclass(slots=True)
class Prepared:
    table: Table
    column_map: ColumnMap
    records: list[RowRecord]
    warnings: list[str]


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
    parser = RowParser(
        column_map,
        table.headers,
        decimal_comma=table.delimiter == ";",
        date_order=options.date_order,
        literal=table.format == "xlsx",
    )
    records: list[RowRecord] = []
    step = max(1, count // 4)
    for i, row in enumerate(table.rows, start=1):
        records.append(parser.parse(row.number, row.cells))
        if progress is not None and i % step == 0:
            progress(i, count)
    warnings = [w for w in column_map.warnings if "Import Result" not in w]
    return Prepared(table, column_map, records, warnings)


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
    """Decide every row and, unless dry run, write the changes through `conn`."""
    repo = ReferralRepository(conn, actor)
    records = prepared.records
    keys = _row_keys(records, options.match)
    duplicates = _duplicate_rows(records, keys)

    ids = [k[1] for k in keys if k and k[0] == "id"]
    stored = repo.by_referral_ids(ids)
    by_crm: dict[str, list[Any]] = {}
    if options.match == "crm-id":
        crm_ids = [k[1] for k in keys if k and k[0] == "crm"]
        by_crm = repo.by_crm_ids(crm_ids)
    referenced = {line.solution_id for r in records for line in (r.solutions or ())}
    ctx = Context(
        role=actor.role,
        email_key=actor.email_key,
        catalog=accounts.known_solutions(conn, actor.org_id, referenced),
        now=now,
    )

    decisions: list[Decision] = []
    for record, key in zip(records, keys, strict=True):
        if record.number in duplicates:
            errors = [*record.errors, duplicates[record.number]]
            decisions.append(Decision(record.number, Outcome.FAILED, errors=errors))
            continue
        decisions.append(_decide(record, key, stored, by_crm, ctx))

    creates = [d for d in decisions if d.outcome is Outcome.CREATED]
    updates = [d for d in decisions if d.outcome is Outcome.UPDATED]
    if not options.dry_run:
        source = "import"
        new_pks = repo.insert_many([d.referral for d in creates if d.referral], actor.user_id)
        pairs = [(int(d.referral.extra["pk"]), d.referral) for d in updates if d.referral]
        repo.update_many(pairs)
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


Key = tuple[str, str] | None


def _row_keys(records: list[RowRecord], match: Match) -> list[Key]:
    keys: list[Key] = []
    for r in records:
        rid = r.values.get(Field.REFERRAL_ID)
        if rid:
            keys.append(("id", rid))
        elif match == "crm-id" and r.values.get(Field.CRM_ID):
            keys.append(("crm", r.values[Field.CRM_ID]))
        else:
            keys.append(None)
    return keys


def _duplicate_rows(records: list[RowRecord], keys: list[Key]) -> dict[int, RowError]:
    """Rows sharing a Referral ID (or CRM ID when matching on it) all fail."""
    rows_by_key: dict[tuple[str, str], list[RowRecord]] = defaultdict(list)
    for record, key in zip(records, keys, strict=True):
        if key:
            rows_by_key[(key[0], key[1].casefold())].append(record)
    failed: dict[int, RowError] = {}
    for (kind, _), group in rows_by_key.items():
        if len(group) < 2:
            continue
        field_ = Field.REFERRAL_ID if kind == "id" else Field.CRM_ID
        for record in group:
            others = ", ".join(str(o.number) for o in group if o is not record)
            failed[record.number] = RowError(
                record.column(field_),
                f'"{record.values[field_]}" appears on several rows (also row {others}); '
                "keep one row per deal",
            )
    return failed


def _decide(
    record: RowRecord,
    key: Key,
    stored: dict[str, Any],
    by_crm: dict[str, list[Any]],
    ctx: Context,
) -> Decision:
    if key is None:
        return decide_create(record, ctx, str(uuid.uuid4()), str(uuid.uuid4()))
    kind, value = key
    if kind == "id":
        referral = stored.get(value)
        if referral is None:
            return _not_found(record, Field.REFERRAL_ID, f"Referral ID {value} was not found")
        return decide_update(record, referral, ctx)
    matches = by_crm.get(value, [])
    if not matches:
        return decide_create(record, ctx, str(uuid.uuid4()), str(uuid.uuid4()))
    if len(matches) > 1:
        return _not_found(
            record,
            Field.CRM_ID,
            f'CRM ID "{value}" matches {len(matches)} referrals; give the Referral ID instead',
        )
    return decide_update(record, matches[0], ctx)


def _not_found(record: RowRecord, field_: Field, message: str) -> Decision:
    errors = [*record.errors, RowError(record.column(field_), message)]
    return Decision(record.number, Outcome.FAILED, errors=errors)
