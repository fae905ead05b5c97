"""The import pipeline (rules §3): one code path for dry run and real run.

1. `prepare`  — bytes → table → column map → one record per row (pure; may reject the file)
2. `apply`    — load what the rows reference in bulk, decide every row, write all valid
               changes, the history and the results file through one unit of work (the
               caller's transaction), so a crash leaves everything or nothing.

A big file goes through the same steps a chunk of rows at a time (the job runner,
`services.jobs`, commits each chunk): `check_file` first reads the whole file once for
what the file-wide checks need (row count, duplicate keys, the close dates' order),
then `parse_rows` and `apply_records` take one chunk each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cosell.domain.actor import Actor
from cosell.domain.cells import DateOrder
from cosell.domain.date_order import file_date_order
from cosell.domain.decide import Context, Decision, Outcome
from cosell.domain.fields import Field
from cosell.domain.headers import ColumnMap, header_score, map_columns
from cosell.domain.history import history_entry
from cosell.domain.job_summaries import ImportSummary, RowFailure, RowWarning
from cosell.domain.job_types import ImportOptions
from cosell.domain.mapping import MappedLayout
from cosell.domain.rows import RowError, RowParser, RowRecord
from cosell.errors import ConcurrentChange, FileRejected
from cosell.files.reader import read_table
from cosell.files.stream import TableStream
from cosell.files.table import Cell, HeaderScore, SheetRow, Table
from cosell.i18n import Msg
from cosell.services.import_matching import (
    KEY_FIELDS,
    Duplicates,
    Found,
    decide_row,
    fail_stale_rows,
    load_lookalikes,
    row_key,
    row_keys,
    same_deal,
)
from cosell.services.results import RowResult, results_data
from cosell.services.uow import UnitOfWork
from cosell.settings import Settings

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Prepared:
    table: Table
    column_map: ColumnMap
    records: list[RowRecord]
    warnings: list[str]
    #: how the file's ambiguous dates read when they change a deal (None: not known)
    date_order: DateOrder | None = None
    #: a mapped file (`options.mapping`): the file as read, and its columns the results
    #: file treats as ours; `table` is then the mapped table
    source: Table | None = None
    source_map: ColumnMap | None = None


@dataclass(slots=True)
class ImportResult:
    status: Literal["completed", "rejected"]
    dry_run: bool
    duration_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)
    #: the results as data (`results.results_data`): the results file is made from it
    results_data: bytes | None = None
    results_format: str | None = None

    @property
    def rows(self) -> int:
        return len(self.results)

    def summary(self) -> ImportSummary:
        """The job's summary: the counts come from the row results."""
        return dataclasses.replace(
            chunk_summary(self.results, listed=None),
            status=self.status,
            dry_run=self.dry_run,
            duration_s=self.duration_s,
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
        )


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
    table = read_table(data, header_score=score_for(options), max_bytes=settings.max_upload_bytes)
    return prepare_table(table, options, settings, progress)


def score_for(options: ImportOptions) -> HeaderScore:
    """How the reader finds the header row: our headers, and a mapping's columns."""
    mapping = options.mapping
    if mapping is None:
        return header_score
    return lambda cells: mapping.header_score(cells) + header_score(cells)


def mapped_table(table: Table, options: ImportOptions) -> tuple[Table, MappedLayout | None]:
    """The file as ours: with a mapping, its columns become ours (FileRejected when the
    file lacks a column the mapping names); without, the file as it is."""
    if options.mapping is None:
        return table, None
    layout = options.mapping.layout(table.headers)
    rows = [SheetRow(r.number, layout.row(r.cells)) for r in table.rows]
    return Table(table.format, layout.headers, rows, table.encoding, table.delimiter), layout


class MappedStream(TableStream):
    """A stored file read a chunk at a time, its columns made ours by a mapping."""

    def __init__(self, stream: TableStream, layout: MappedLayout) -> None:
        self.stream = stream
        self.layout = layout
        self.format = stream.format
        self.headers = layout.headers
        self.encoding = stream.encoding
        self.delimiter = stream.delimiter

    def rows(self) -> Iterator[SheetRow]:
        row = self.layout.row
        return (SheetRow(r.number, row(r.cells)) for r in self.stream.rows())


def prepare_table(
    table: Table, options: ImportOptions, settings: Settings, progress: Progress | None = None
) -> Prepared:
    """`prepare` of a file already read."""
    source = table
    table, layout = mapped_table(table, options)
    column_map = map_columns(table.headers, max_items=settings.max_group_items)
    count = len(table.rows)
    _check_count(count, settings)
    idx = column_map.fields.get(Field.CLOSE_DATE)
    order, contradicting = file_date_order(
        ((row.number, row.cells[idx]) for row in table.rows if idx < len(row.cells))
        if idx is not None
        else (),
        options.date_order,
        european=_european(table, column_map),
    )
    parser = row_parser(table, column_map, options, layout)
    records: list[RowRecord] = []
    step = max(1, count // 4)
    for i, row in enumerate(table.rows, start=1):
        records.append(_parse(parser, row, contradicting))
        if progress is not None and i % step == 0:
            progress(i, count)
    prepared = Prepared(table, column_map, records, file_warnings(column_map), order)
    if layout is not None:
        prepared.source = source
        prepared.source_map = layout.results_map(source.headers)
    return prepared


def _check_count(count: int, settings: Settings) -> None:
    if count == 0:
        raise FileRejected(Msg("The file has a header row but no data rows; nothing to import"))
    if count > settings.max_import_rows:
        raise FileRejected(
            Msg(
                "The file has %(count)s records; at most %(limit)s can be processed",
                count=f"{count:,}",
                limit=f"{settings.max_import_rows:,}",
            )
        )


def _european(table: Table, column_map: ColumnMap) -> bool:
    return table.delimiter == ";" or column_map.localized


def file_warnings(column_map: ColumnMap) -> list[str]:
    return [w for w in column_map.warnings if "Import Result" not in w]


def row_parser(
    head: Table, column_map: ColumnMap, options: ImportOptions, layout: MappedLayout | None = None
) -> RowParser:
    """The file's row parser; a mapped file's (`layout`) names each column in its errors
    by the file's own header."""
    # Only the user's own choice reads dates strictly: an order the file suggests still
    # lets an ambiguous date that equals the stored one either way count as unchanged.
    return RowParser(
        column_map,
        layout.names if layout is not None else head.headers,
        decimal_comma=head.delimiter == ";",
        date_order=options.date_order,
    )


def _parse(parser: RowParser, row: SheetRow, contradicting: dict[int, str]) -> RowRecord:
    record = parser.parse(row.number, row.cells)
    if row.number in contradicting:
        record.values.pop(Field.CLOSE_DATE, None)
        record.errors.append(RowError(record.column(Field.CLOSE_DATE), contradicting[row.number]))
    return record


def parse_rows(
    parser: RowParser, rows: Iterable[SheetRow], contradicting: dict[int, str]
) -> list[RowRecord]:
    """The records of a chunk of rows (`contradicting`: see `FileChecks`)."""
    return [_parse(parser, row, contradicting) for row in rows]


@dataclass(slots=True)
class FileChecks:
    """What one cheap pass over a whole file found, for the checks that look at all of
    its rows together, so that its chunks can then be processed one at a time."""

    rows: int
    column_map: ColumnMap
    warnings: list[str]
    #: how the file's ambiguous dates read (None: not known)
    date_order: DateOrder | None
    #: rows whose close date contradicts the file's date order → why
    contradicting: dict[int, str]
    duplicates: Duplicates
    #: a mapped file's columns (the other fields then describe the mapped file)
    layout: MappedLayout | None = None

    def mapped(self, stream: TableStream) -> TableStream:
        """The file's rows as the import reads them (mapped, for a mapped file)."""
        return stream if self.layout is None else MappedStream(stream, self.layout)

    def results_map(self, head: Table) -> ColumnMap:
        """The columns of the file as read that the results file treats as ours."""
        return self.column_map if self.layout is None else self.layout.results_map(head.headers)


#: Rows between two calls of `check_file`'s `beat`.
_BEAT_ROWS = 5000


def check_file(
    stream: TableStream,
    options: ImportOptions,
    settings: Settings,
    beat: Callable[[int], None] | None = None,
) -> FileChecks:
    """Read the whole file once, parsing only the cells the file-wide checks need: the
    row count, the keys rows find their deal by (rows naming the same deal all fail),
    and the close dates (the file's date order). Raises FileRejected as `prepare` does.
    Memory: 16 bytes per row that has a key (and, for a moment, a set of their hashes)."""
    layout = options.mapping.layout(stream.headers) if options.mapping is not None else None
    if layout is not None:
        stream = MappedStream(stream, layout)
    head = stream.head()
    column_map = map_columns(head.headers, max_items=settings.max_group_items)
    idx = column_map.fields.get(Field.CLOSE_DATE)
    keys = _KeyReader(head, column_map, options, layout)
    count = 0
    hashes: array[int] = array("q")
    numbers: array[int] = array("q")

    def rows() -> Iterator[tuple[int, Cell]]:
        nonlocal count
        for row in stream.rows():
            count += 1
            if keys.active:
                key = keys.key(row)
                if key is not None:
                    hashes.append(hash(same_deal(key)))
                    numbers.append(row.number)
            if idx is not None and idx < len(row.cells):
                yield row.number, row.cells[idx]
            if beat is not None and count % _BEAT_ROWS == 0:
                beat(count)

    close_dates = rows()
    order, contradicting = file_date_order(
        close_dates if idx is not None else (),
        options.date_order,
        european=_european(head, column_map),
    )
    for _ in close_dates:  # the rest of the file, when the dates did not need it
        pass
    _check_count(count, settings)
    duplicates = _duplicates(stream, keys, hashes, numbers)
    return FileChecks(
        count, column_map, file_warnings(column_map), order, contradicting, duplicates, layout
    )


class _KeyReader:
    """Reads only the cells a row finds its deal by, exactly as the row's full parse
    reads them."""

    def __init__(
        self,
        head: Table,
        column_map: ColumnMap,
        options: ImportOptions,
        layout: MappedLayout | None,
    ) -> None:
        wanted = KEY_FIELDS if options.match == "crm-id" else KEY_FIELDS[:2]
        fields = {f: i for f, i in column_map.fields.items() if f in wanted}
        self.active = bool(fields)
        self.match = options.match
        only_keys = dataclasses.replace(
            column_map, fields=fields, solutions={}, team_members={}, row_version=None
        )
        self.parser = row_parser(head, only_keys, options, layout)

    def key(self, row: SheetRow) -> tuple[str, str] | None:
        return row_key(self.parser.parse(row.number, row.cells), self.match)


def _duplicates(
    stream: TableStream, keys: _KeyReader, hashes: array[int], numbers: array[int]
) -> Duplicates:
    """The rows sharing a key. Keys were kept as hashes only: rows whose hash repeats
    are read again (one more pass, only when there are any) and grouped by the key."""
    seen: set[int] = set()
    repeated: set[int] = set()
    for h in hashes:
        (repeated if h in seen else seen).add(h)
    del seen
    if not repeated:
        return Duplicates()
    suspects = {n for h, n in zip(hashes, numbers, strict=True) if h in repeated}
    found = []
    for row in stream.rows():
        if row.number in suspects:
            key = keys.key(row)
            if key is not None:
                found.append((row.number, key))
    return Duplicates.of(found)


# ------------------------------------------------------------------ stage 2
def apply(
    uow: UnitOfWork,
    actor: Actor,
    prepared: Prepared,
    options: ImportOptions,
    *,
    now: dt.datetime,
    job_id: str | None,
    started: float,
) -> ImportResult:
    """Decide every row and, unless dry run, write the changes through `uow`.

    Raises `ConcurrentChange` when another writer changed a deal between the read
    and the write (possible on PostgreSQL): nothing must then be committed, and
    the caller runs the import again on a fresh transaction."""
    results = apply_records(
        uow,
        actor,
        prepared.records,
        options,
        now=now,
        job_id=job_id,
        date_order=prepared.date_order,
    )
    result = ImportResult(
        status="completed",
        dry_run=options.dry_run,
        warnings=prepared.warnings,
        results=results,
        results_format=prepared.table.format,
    )
    result.results_data = results_data(
        prepared.source or prepared.table, prepared.source_map or prepared.column_map, results
    )
    result.duration_s = time.perf_counter() - started
    return result


def apply_records(
    uow: UnitOfWork,
    actor: Actor,
    records: list[RowRecord],
    options: ImportOptions,
    *,
    now: dt.datetime,
    job_id: str | None,
    date_order: DateOrder | None,
    duplicates: Duplicates | None = None,
    not_of_job: str | None = None,
) -> list[RowResult]:
    """Decide the rows and, unless dry run, write them: the whole file, or one chunk of
    a big file (then `duplicates` are the whole file's, and `not_of_job` the job whose
    earlier chunks' deals are no look-alikes). Raises `ConcurrentChange` as `apply`."""
    repo = uow.referrals(actor)
    keys = row_keys(records, options.match)
    if not options.dry_run and any(k is None or k[0] == "crm" for k in keys):
        # Before reading: a concurrent import of the same rows must see what this one
        # creates (see `lock_creates`). Files that only update need no lock, the
        # version compare-and-set guards them.
        repo.lock_creates()
    if duplicates is None:
        duplicates = Duplicates.of(
            (r.number, k) for r, k in zip(records, keys, strict=True) if k is not None
        )
    found = Found(
        by_id=repo.by_referral_ids(k[1] for k in keys if k and k[0] == "id"),
        by_crm=repo.by_crm_ids(k[1] for k in keys if k and k[0] == "crm"),
        by_engagement=repo.by_engagement_ids(k[1] for k in keys if k and k[0] == "eng"),
    )
    load_lookalikes(repo, records, keys, found, not_of_job=not_of_job)
    referenced = {line.solution_id for r in records for line in (r.solutions or ())}
    ctx = Context(
        role=actor.role,
        email_key=actor.email_key,
        catalog=uow.accounts.known_solutions(actor.org_id, referenced),
        now=now,
        date_order=date_order,
    )

    decisions: list[Decision] = []
    for record, key in zip(records, keys, strict=True):
        duplicate = duplicates.error(record, key) if duplicates else None
        if duplicate is not None:
            errors = [*record.errors, duplicate]
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
        new = [d.referral for d in creates if d.referral]
        repo.insert_many(new, actor.user_id)
        changed = [d.referral for d in updates if d.referral]
        if repo.update_many(changed) != len(changed):
            raise ConcurrentChange("a deal of the file changed while the file was imported")
        history = [
            history_entry(ref.id, actor, source, "created", {}, now, job_id, version=1)
            for ref in new
        ] + [
            history_entry(
                ref.id, actor, source, "updated", d.changes, now, job_id,
                version=ref.version, before=d.before,
            )
            for ref, d in zip(changed, updates, strict=True)
        ]  # fmt: skip
        repo.add_history(history)

    return [
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


def count_outcomes(results: Iterable[RowResult]) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for r in results:
        counts[r.outcome] += 1
    return counts


#: Failed rows and rows with remarks a big import's summary lists (the results file has
#: every row).
LISTED_ROWS = 1000


def chunk_summary(results: Sequence[RowResult], listed: int | None = LISTED_ROWS) -> ImportSummary:
    """The counts of the rows, and their failures and remarks (at most `listed` of
    each; None: all), as the job's summary lists them."""
    counts = count_outcomes(results)
    return ImportSummary(
        rows=len(results),
        created=counts[Outcome.CREATED],
        updated=counts[Outcome.UPDATED],
        unchanged=counts[Outcome.UNCHANGED],
        failed=counts[Outcome.FAILED],
        failures=_failures(results)[:listed],
        row_warnings=_remarks(results)[:listed],
    )


def merged_summary(
    chunks: Iterable[ImportSummary],
    *,
    dry_run: bool,
    warnings: list[str],
    duration_s: float,
) -> ImportSummary:
    """The job summary of a file imported in chunks; at most LISTED_ROWS failures and
    remarks are listed."""
    return ImportSummary.merged(
        chunks, dry_run=dry_run, warnings=warnings, duration_s=duration_s, listed=LISTED_ROWS
    )


def _failures(results: Iterable[RowResult]) -> tuple[RowFailure, ...]:
    return tuple(
        RowFailure(r.number, tuple(str(e) for e in r.errors))
        for r in results
        if r.outcome is Outcome.FAILED
    )


def _remarks(results: Iterable[RowResult]) -> tuple[RowWarning, ...]:
    return tuple(RowWarning(r.number, tuple(r.warnings)) for r in results if r.warnings)
