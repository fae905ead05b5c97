"""Date cells (rules §2.2): strict parsing in a known order, reading when the order
is unknown, and the evidence one cell gives about a file's order.

Shapes of text read, the year always last except in year-first and ISO texts:

* `M/D/YYYY`, `M-D-YYYY` (two-digit years too, read as 20YY, and Excel's time
  suffix `0:00`): month or day first as the order says; with no order given,
  day and month may be either way round (`AmbiguousDate`).
* `D.M.YYYY` (also `D.M.YY`): day-first in every locale that writes it.
* `YYYY/MM/DD`, `YYYY-MM-DD`, `YYYY.MM.DD`, an ISO date-time (its UTC date).

Only years 1900 to 9999 are dates: anything earlier is a typing slip or a
spreadsheet's empty date, and no deal closes then.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from cosell.domain._cell_base import CACHE_SIZE, CellError
from cosell.domain._cell_base import cell_text as _text
from cosell.domain.model import Cell
from cosell.i18n import Msg

DateOrder = Literal["MDY", "DMY", "YMD"]
Evidence = Literal["MDY", "DMY"]

FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 9999

# Excel writes date-time cells to CSV as "1/30/2027 0:00" or "… 12:00:00 AM".
_TIME: Final = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?)?"
_SLASHED: Final = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME, re.ASCII)
_DOTTED: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})" + _TIME, re.ASCII)
_YEAR_FIRST: Final = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})", re.ASCII)
_ISO_DATETIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", re.ASCII)
_DATE_FORMATS: Final[Mapping[DateOrder, tuple[str, str]]] = {
    "MDY": ("MM/DD/YYYY", "01/30/2027"),
    "DMY": ("DD/MM/YYYY", "30/01/2027"),
    "YMD": ("YYYY/MM/DD", "2027/01/30"),
}


@dataclass(frozen=True, slots=True)
class AmbiguousDate:
    """A date text whose day and month could be either way round (`03/04/2027`),
    read in a file whose date order is not known."""

    text: str
    month_first: dt.date
    day_first: dt.date

    def readings(self) -> tuple[dt.date, dt.date]:
        """Both dates: month first (the article's order), then day first."""
        return self.month_first, self.day_first


def parse_date(cell: Cell, order: DateOrder = "MDY") -> dt.date:
    """A date: `M/D/YYYY` (or as `order` says), `D.M.YYYY`, ISO `YYYY-MM-DD`, an ISO
    date-time (its UTC date), or a spreadsheet date cell; years 1900 to 9999."""
    if isinstance(cell, dt.date):
        return _date_of_cell(cell, order)
    return _date_from_text(_text(cell), order)


def read_date(cell: Cell, order: DateOrder | None) -> dt.date | AmbiguousDate:
    """`parse_date` when `order` is known. With `order=None`, a slash or dash date that
    reads as two different dates month-first and day-first gives an `AmbiguousDate`,
    and one with a single reading (`30/01/2027`, `05/05/2027`) gives that date."""
    if order is not None:
        return parse_date(cell, order)
    if isinstance(cell, dt.date):
        return _date_of_cell(cell, "MDY")
    return _read_from_text(_text(cell))


def date_evidence(cell: Cell) -> Evidence | None:
    """The order a slash or dash text date proves: `30/01/2027` → "DMY", `01/30/2027`
    → "MDY"; None for anything that proves nothing (`03/04/2027`, `05/05/2027`,
    dotted, ISO or year-first texts, date cells, non-dates)."""
    if not isinstance(cell, str):
        return None
    return _evidence_from_text(cell.strip())


def format_date(value: dt.date) -> str:
    """`MM/DD/YYYY` (a date-time gives its own date part)."""
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


# ---------------------------------------------------------------------------


def _expected(order: DateOrder) -> Msg:
    return Msg("expected a date as %(format)s", format=_format(order))


def _format(order: DateOrder) -> Msg:
    pattern, example = _DATE_FORMATS[order]
    return Msg("%(pattern)s, e.g. %(example)s", pattern=pattern, example=example)


def _out_of_range(order: DateOrder) -> CellError:
    return CellError(
        Msg(
            "expected a date between %(first)s and %(last)s as %(format)s",
            first=FIRST_YEAR,
            last=LAST_YEAR,
            format=_format(order),
        )
    )


def _date_of_cell(value: dt.date, order: DateOrder) -> dt.date:
    if isinstance(value, dt.datetime):
        value = _utc_date(value, order)
    if value.year < FIRST_YEAR:
        raise _out_of_range(order)
    return value


def _utc_date(value: dt.datetime, order: DateOrder) -> dt.date:
    if value.tzinfo is None:
        return value.date()
    try:
        return value.astimezone(dt.UTC).date()
    except OverflowError:  # before year 1 or after 9999 in UTC
        raise _out_of_range(order) from None


def _full_year(year: str) -> int:
    return 2000 + int(year) if len(year) == 2 else int(year)


def _make(year: int, month: int, day: int, order: DateOrder) -> dt.date:
    if year < FIRST_YEAR:
        raise _out_of_range(order)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(
            Msg("%(expected)s (a day that exists)", expected=_expected(order))
        ) from None


def _maybe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@functools.lru_cache(maxsize=CACHE_SIZE)
def _date_from_text(text: str, order: DateOrder) -> dt.date:
    if (match := _YEAR_FIRST.fullmatch(text)) is not None:
        return _make(int(match.group(1)), int(match.group(3)), int(match.group(4)), order)
    if (match := _DOTTED.fullmatch(text)) is not None:
        day, month = int(match.group(1)), int(match.group(2))
        return _make(_full_year(match.group(3)), month, day, order)
    if (match := _SLASHED.fullmatch(text)) is not None and order != "YMD":
        first, second = int(match.group(1)), int(match.group(3))
        year = _full_year(match.group(4))
        if order == "MDY":
            if first > 12 and 0 < second <= 12 and year >= FIRST_YEAR:
                raise CellError(
                    Msg(
                        "%(expected)s (month first, choose date order DMY for day-first files)",
                        expected=_expected(order),
                    )
                )
            return _make(year, first, second, order)
        if second > 12 and 0 < first <= 12 and year >= FIRST_YEAR:
            raise CellError(
                Msg(
                    "%(expected)s (day first, choose date order MDY for month-first files)",
                    expected=_expected(order),
                )
            )
        return _make(year, second, first, order)
    if _ISO_DATETIME.match(text):
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise CellError(
                Msg("%(expected)s or an ISO date-time", expected=_expected(order))
            ) from None
        return _date_of_cell(value, order)
    raise CellError(_expected(order))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _read_from_text(text: str) -> dt.date | AmbiguousDate:
    match = _SLASHED.fullmatch(text)
    if match is None:
        return _date_from_text(text, "MDY")
    first, second = int(match.group(1)), int(match.group(3))
    year = _full_year(match.group(4))
    if year < FIRST_YEAR:
        raise _out_of_range("MDY")
    month_first, day_first = _maybe(year, first, second), _maybe(year, second, first)
    if month_first is not None and day_first is not None and month_first != day_first:
        return AmbiguousDate(text, month_first, day_first)
    value = month_first or day_first
    if value is None:
        raise CellError(
            Msg(
                "expected a date as MM/DD/YYYY or DD/MM/YYYY, e.g. %(example)s (a day that exists)",
                example="01/30/2027",
            )
        )
    return value


@functools.lru_cache(maxsize=CACHE_SIZE)
def _evidence_from_text(text: str) -> Evidence | None:
    match = _SLASHED.fullmatch(text)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(3))
    year = _full_year(match.group(4))
    if year < FIRST_YEAR:
        return None
    month_first, day_first = _maybe(year, first, second), _maybe(year, second, first)
    if month_first is not None and day_first is None:
        return "MDY"
    if day_first is not None and month_first is None:
        return "DMY"
    return None
