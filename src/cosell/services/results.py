"""The results file of an import (SPEC §3): the input rows, in order, with their outcome.

Columns: `Errors` first (every problem of the row, then its warnings, joined by
"; "), then the file's own columns (a previous `Errors`, `Row Version` or `Import
Result` column is replaced), `Referral ID` / `Engagement ID` added when the file
lacked them, `Row Version` (the deal's version after the import, so the file can
be uploaded again without tripping the stale-row check) and `Import Result` last.
Created rows get their new IDs, so the whole file can be uploaded again without
creating anything twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from cosell.domain.decide import Outcome
from cosell.domain.fields import Field
from cosell.domain.formula import unneutralize
from cosell.domain.headers import ROW_VERSION, ColumnMap, header_score
from cosell.domain.rows import RowError
from cosell.files.reader import read_table
from cosell.files.table import Cell, OutCell, Table
from cosell.files.writer import write_csv, write_xlsx

RESULT_HEADER = "Import Result"


@dataclass(slots=True)
class RowResult:
    """What happened to one row; every report is a view of these."""

    number: int
    outcome: Outcome
    errors: list[RowError] = field(default_factory=list)
    referral_id: str | None = None
    engagement_id: str | None = None
    #: the deal's version after this row (None for a failed row)
    version: int | None = None
    warnings: list[str] = field(default_factory=list)


def _is_result_column(header: str) -> bool:
    return " ".join(header.split()).casefold() == RESULT_HEADER.casefold()


def render_results(table: Table, column_map: ColumnMap, results: Sequence[RowResult]) -> bytes:
    errors_idx = column_map.fields.get(Field.ERRORS)
    version_idx = column_map.row_version
    keep = [
        i
        for i, h in enumerate(table.headers)
        if i not in (errors_idx, version_idx) and not _is_result_column(h)
    ]
    errors_header = table.headers[errors_idx] if errors_idx is not None else "Errors"
    headers = [errors_header] + [table.headers[i] for i in keep]
    rid_idx = column_map.fields.get(Field.REFERRAL_ID)
    eid_idx = column_map.fields.get(Field.ENGAGEMENT_ID)
    add_rid, add_eid = rid_idx is None, eid_idx is None
    if add_eid:
        headers.append(Field.ENGAGEMENT_ID.value)
    if add_rid:
        headers.append(Field.REFERRAL_ID.value)
    headers += [ROW_VERSION, RESULT_HEADER]
    position = {src: dst for dst, src in enumerate(keep, start=1)}

    out: list[list[OutCell]] = []
    width = max([*keep, -1 if version_idx is None else version_idx]) + 1
    take = itemgetter(*keep) if len(keep) > 1 else lambda cells: tuple(cells[i] for i in keep)
    for row, result in zip(table.rows, results, strict=True):
        cells: list[Cell] = row.cells
        if len(cells) < width:  # the reader pads rows to the headers; be safe anyway
            cells = cells + [""] * (width - len(cells))
        # Each cell as import read it (trimmed, without the formula guard of the file
        # it came from): the writer guards it again for the file it goes to, once.
        line: list[OutCell] = [_messages(result), *map(_as_read, take(cells))]
        if result.referral_id:
            if add_eid:
                line.append(result.engagement_id)
            elif eid_idx is not None:
                line[position[eid_idx]] = result.engagement_id
            if add_rid:
                line.append(result.referral_id)
            elif rid_idx is not None:
                line[position[rid_idx]] = result.referral_id
        else:
            line.extend([""] * (add_eid + add_rid))
        if result.version is not None:
            line.append(result.version)
        else:
            line.append(cells[version_idx] if version_idx is not None else "")
        line.append(result.outcome.value)
        out.append(line)
    if table.format == "xlsx":
        id_columns = {i for i, h in enumerate(headers) if h in _ID_HEADERS}
        return write_xlsx(headers, out, text_columns=id_columns, sheet_name="Results")
    return write_csv(headers, out, delimiter=table.delimiter or ",")


def _as_read(cell: Cell) -> Cell:
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    return unneutralize(text) if text[:1] == "'" else text


def _messages(result: RowResult) -> str:
    """The Errors cell: one message per problem, then the warnings, joined by "; "."""
    return "; ".join([*map(str, result.errors), *(f"Warning: {w}" for w in result.warnings)])


_ID_HEADERS = {Field.REFERRAL_ID.value, Field.ENGAGEMENT_ID.value}


def convert(data: bytes, to_format: str) -> bytes:
    """A results (or export) file in the other format: CSV ↔ XLSX. The formula guard `'`
    belongs to CSV cells only: it is removed going to XLSX and added going to CSV."""
    table = read_table(data, header_score=lambda cells: max(header_score(cells), 1))
    rows: list[list[OutCell]] = [
        [unneutralize(c) if isinstance(c, str) else c for c in r.cells] for r in table.rows
    ]
    if to_format == "xlsx":
        return write_xlsx(table.headers, rows, text_columns=range(len(table.headers)))
    return write_csv(table.headers, rows, delimiter=table.delimiter or ",")
