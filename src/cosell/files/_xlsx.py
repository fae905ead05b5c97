"""Excel workbooks (.xlsx): the first visible worksheet, read with python-calamine."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from decimal import Decimal

import python_calamine as calamine

from cosell.domain.cells import format_yes_no
from cosell.errors import FileRejected
from cosell.files._rows import (
    EXPECTED_HEADERS,
    clean_header,
    no_header,
    shape_row,
    trim_headers,
    unreadable_workbook,
)
from cosell.files._workbook_guard import check_workbook
from cosell.files.table import Cell, HeaderScore, SheetRow, Table
from cosell.i18n import Msg

_RawCell = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta


def read_xlsx(data: bytes, header_score: HeaderScore, max_uncompressed: int) -> Table:
    """Read the first visible worksheet of an .xlsx workbook into a header and rows.

    Cells become text, except date cells, which become `datetime.date` (any time
    of day is dropped). Numbers are written without exponent or trailing `.0`
    (`81466849`, `12563.5`), booleans as `Yes`/`No`.
    """
    check_workbook(data, max_uncompressed)
    sheet_name, top_row, values = _load_first_sheet(data)
    headers: list[str] | None = None
    width = 0
    rows: list[SheetRow] = []
    for offset, raw in enumerate(values):
        cells: list[Cell] = [v if v.__class__ is str else _cell(v) for v in raw]
        if _blank(cells):
            continue
        number = top_row + offset + 1
        if headers is None:
            headers = trim_headers([clean_header(_header_text(cell)) for cell in cells])
            if header_score(headers) <= 0:
                raise no_header(headers, number, csv=False)
            width = len(headers)
            continue
        rows.append(SheetRow(number, shape_row(cells, width)))
    if headers is None:
        raise FileRejected(
            Msg(
                "The sheet '%(sheet)s' of the workbook is empty; it should start with a header "
                "row: %(expected)s.",
                sheet=sheet_name,
                expected=EXPECTED_HEADERS,
            )
        )
    return Table("xlsx", headers, rows)


def _load_first_sheet(data: bytes) -> tuple[str, int, list[list[_RawCell]]]:
    # calamine parses untrusted bytes: whatever it raises means the workbook
    # cannot be read, and a Rust panic surfaces as a BaseException subclass.
    try:
        with calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            name = _first_visible_worksheet(workbook.sheets_metadata)
            sheet = workbook.get_sheet_by_name(name)
            start = sheet.start
            values = sheet.to_python(skip_empty_area=True)
    except FileRejected:
        raise
    except Exception as exc:
        raise unreadable_workbook(_reason(exc)) from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise unreadable_workbook(Msg("its contents are malformed")) from None
    return name, start[0] if start else 0, values


def _first_visible_worksheet(sheets: Sequence[calamine.SheetMetadata]) -> str:
    worksheets = [s for s in sheets if s.typ == calamine.SheetTypeEnum.WorkSheet]
    if not worksheets:
        raise unreadable_workbook(Msg("it has no worksheet"))
    visible = [s for s in worksheets if s.visible == calamine.SheetVisibleEnum.Visible]
    return (visible or worksheets)[0].name


def _reason(exc: Exception) -> str:
    if isinstance(exc, calamine.PasswordError):
        return Msg("it is protected with a password; remove the password and save it again")
    detail = " ".join(str(exc).split())[:200]
    if detail:
        return Msg("its contents are malformed (%(detail)s)", detail=detail)
    return Msg("its contents are malformed")


def _cell(value: _RawCell) -> Cell:
    if isinstance(value, bool):
        return format_yes_no(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _number_text(value: float) -> str:
    """Plain decimal text: 81466849.0 → "81466849", 1e-07 → "0.0000001"."""
    if value.is_integer():
        return str(int(value))
    if not math.isfinite(value):
        return repr(value)
    # repr is the shortest text that reads back as the same float; Decimal then
    # spells it without an exponent.
    return format(Decimal(repr(value)), "f")


def _header_text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell.isoformat()


def _blank(cells: list[Cell]) -> bool:
    return all(isinstance(cell, str) and not cell.strip() for cell in cells)
