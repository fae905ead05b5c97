"""The results file of an import (rules §3): the input rows, in order, with their outcome.

Columns: `Errors` first (every problem of the row, then its warnings, joined by
"; "), then the file's own columns (a previous `Errors`, `Row Version` or `Import
Result` column is replaced), `Referral ID` / `Engagement ID` added when the file
lacked them, `Row Version` (the deal's version after the import, so the file can
be uploaded again without tripping the stale-row check) and `Import Result` last.
Created rows get their new IDs, so the whole file can be uploaded again without
creating anything twice.

The Errors cell is written in the file's language: Dutch, Swedish or French when the
file's headers are (`ColumnMap.locale`), else English, whoever uploads it.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO

from cosell.domain.decide import Outcome
from cosell.domain.fields import Field
from cosell.domain.formula import unneutralize
from cosell.domain.headers import ROW_VERSION, ColumnMap
from cosell.domain.rows import RowError
from cosell.files.table import Cell, OutCell, SheetRow, Table
from cosell.i18n import LOCALES, Msg, message_from_json, message_to_json, translate
from cosell.services.results_data import ResultsHead, write_lines

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


class ResultsLayout:
    """The columns of a results file for a file's header row, and each row's line."""

    def __init__(self, headers: Sequence[str], column_map: ColumnMap) -> None:
        errors_idx = column_map.fields.get(Field.ERRORS)
        version_idx = column_map.row_version
        keep = [
            i
            for i, h in enumerate(headers)
            if i not in (errors_idx, version_idx) and not _is_result_column(h)
        ]
        errors_header = headers[errors_idx] if errors_idx is not None else "Errors"
        out = [errors_header] + [headers[i] for i in keep]
        self.rid_idx = column_map.fields.get(Field.REFERRAL_ID)
        self.eid_idx = column_map.fields.get(Field.ENGAGEMENT_ID)
        self.add_rid, self.add_eid = self.rid_idx is None, self.eid_idx is None
        if self.add_eid:
            out.append(Field.ENGAGEMENT_ID.value)
        if self.add_rid:
            out.append(Field.REFERRAL_ID.value)
        out += [ROW_VERSION, RESULT_HEADER]
        self.headers = out
        self.version_idx = version_idx
        self.position = {src: dst for dst, src in enumerate(keep, start=1)}
        self.width = max([*keep, -1 if version_idx is None else version_idx]) + 1
        self.take = (
            itemgetter(*keep) if len(keep) > 1 else lambda cells: tuple(cells[i] for i in keep)
        )
        self.text_columns = {i for i, h in enumerate(out) if h in _ID_HEADERS}
        self.locale = file_locale(column_map)

    def line(self, row: SheetRow, result: RowResult) -> list[OutCell]:
        cells: list[Cell] = row.cells
        if len(cells) < self.width:  # the reader pads rows to the headers; be safe anyway
            cells = cells + [""] * (self.width - len(cells))
        # Each cell as import read it (trimmed, without the formula guard of the file
        # it came from): the writer guards it again for the file it goes to, once.
        line: list[OutCell] = [_messages(result, self.locale), *map(_as_read, self.take(cells))]
        if result.referral_id:
            if self.add_eid:
                line.append(result.engagement_id)
            elif self.eid_idx is not None:
                line[self.position[self.eid_idx]] = result.engagement_id
            if self.add_rid:
                line.append(result.referral_id)
            elif self.rid_idx is not None:
                line[self.position[self.rid_idx]] = result.referral_id
        else:
            line.extend([""] * (self.add_eid + self.add_rid))
        if result.version is not None:
            line.append(result.version)
        else:
            line.append(cells[self.version_idx] if self.version_idx is not None else "")
        line.append(result.outcome.value)
        return line


def results_data(table: Table, column_map: ColumnMap, results: Sequence[RowResult]) -> bytes:
    """The results of a file read whole, as data (`write_results_data`)."""
    if len(table.rows) != len(results):
        raise ValueError("every row needs exactly one result")
    out = io.BytesIO()
    write_results_data(out, table, column_map, zip(table.rows, results, strict=True))
    return out.getvalue()


def write_results_data(
    out: IO[bytes],
    head: Table,
    column_map: ColumnMap,
    rows: Iterable[tuple[SheetRow, RowResult]],
) -> int:
    """The results of `head`'s file as data, into `out`, row by row (any number of rows,
    memory flat): the results file in either format is made from it
    (`results_data.render`). Returns the rows written."""
    layout = ResultsLayout(head.headers, column_map)
    first = ResultsHead(
        headers=layout.headers,
        text_columns=tuple(sorted(layout.text_columns)),
        format=head.format,
        delimiter=head.delimiter or ",",
    )
    return write_lines(out, first, (layout.line(row, result) for row, result in rows))


def _as_read(cell: Cell) -> Cell:
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    return unneutralize(text) if text[:1] == "'" else text


def file_locale(column_map: ColumnMap) -> str:
    """The language a results file speaks: its headers' when the pages have it (`nl`,
    `sv`, `fr`), else English."""
    language = (column_map.locale or "").split("-")[0]
    return language if language in LOCALES else "en"


def _messages(result: RowResult, locale: str = "en") -> str:
    """The Errors cell: one message per problem, then the warnings, joined by "; ", in
    `locale`."""
    if not result.errors and not result.warnings:
        return ""
    if locale == "en":
        return "; ".join([*map(str, result.errors), *(f"Warning: {w}" for w in result.warnings)])
    texts = [
        *map(str, result.errors),
        *(Msg("Warning: %(warning)s", warning=w) for w in result.warnings),
    ]
    return "; ".join(translate(text, locale) for text in texts)


_ID_HEADERS = {Field.REFERRAL_ID.value, Field.ENGAGEMENT_ID.value}


# ------------------------------------------------------------------ stored outcomes
def encode_results(results: Sequence[RowResult]) -> bytes:
    """The outcomes of a chunk of rows, compact (zlib-compressed JSON), to be stored
    until the results file is written. Messages keep what they are made of
    (`i18n.message_to_json`), so the file can show them in its language; outcomes an
    earlier version stored, with plain texts, read back as they are."""
    items = [
        [
            r.number,
            _OUTCOME_CODES[r.outcome],
            [[message_to_json(e.column), message_to_json(e.message)] for e in r.errors],
            r.referral_id,
            r.engagement_id,
            r.version,
            [message_to_json(w) for w in r.warnings],
        ]
        for r in results
    ]
    return zlib.compress(json.dumps(items, separators=(",", ":")).encode(), 1)


def decode_results(data: bytes) -> list[RowResult]:
    return [
        RowResult(
            number,
            _OUTCOMES[code],
            [
                RowError(message_from_json(column), message_from_json(message))
                for column, message in errors
            ],
            rid,
            eid,
            version,
            [message_from_json(w) for w in warnings],
        )
        for number, code, errors, rid, eid, version, warnings in json.loads(zlib.decompress(data))
    ]


_OUTCOMES = list(Outcome)
_OUTCOME_CODES = {o: i for i, o in enumerate(_OUTCOMES)}
