"""Export (rules §4) and the empty template: referrals → CSV or XLSX."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from cosell.domain import cells
from cosell.domain.actor import Actor
from cosell.domain.enums import (
    DECLINED_LOST_REASONS,
    ERROR_REASONS,
    HELP_CODES,
    SALES_STAGES,
    MicrosoftStatus,
    Status,
    Substatus,
)
from cosell.domain.field_spec import Kind
from cosell.domain.fields import FIELD_ORDER, REQUIRED_ON_CREATE, Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.headers import ROW_VERSION
from cosell.domain.job_summaries import ExportSummary
from cosell.domain.job_types import ExportOptions
from cosell.domain.value_names import ValueLabels, labels_for
from cosell.files.table import OutCell
from cosell.files.writer import write_csv, write_xlsx
from cosell.services.gc import gc_paused
from cosell.services.referrals import count_bound
from cosell.services.uow import UnitOfWork
from cosell.settings import Settings
from cosell.store.referral_rows import COLUMNS, ITEM_SEPARATOR
from cosell.store.referrals import to_date

Format = Literal["csv", "xlsx"]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: Columns written as text in XLSX: identifiers a spreadsheet would otherwise mangle.
_TEXT_FIELDS = frozenset(f for f in FIELD_ORDER if f.spec.kind.numeric_looking)


@dataclass(slots=True)
class ExportResult:
    data: bytes
    rows: int
    matched: int
    truncated: bool
    duration_s: float
    message: str

    def summary(self) -> ExportSummary:
        return ExportSummary(
            rows=self.rows,
            matched=self.matched,
            truncated=self.truncated,
            duration_s=self.duration_s,
            message=self.message,
        )


def export_referrals(
    uow: UnitOfWork, actor: Actor, options: ExportOptions, settings: Settings
) -> ExportResult:
    started = time.perf_counter()
    repo = uow.referrals(actor)
    with gc_paused():
        limit = settings.max_export_rows
        rows = repo.raw_search(options.filters, limit=limit + 1)
        matched, exact = len(rows), True
        if matched > limit:  # more match than are written: counted up to the list's bound
            # (a count of every match could cost more than the export itself)
            rows = rows[:limit]
            bound = count_bound(options.filters)
            matched, exact = (
                repo.count_upto(options.filters, bound) if bound > limit else (limit, False)
            )
        data = _render(rows, options)
    truncated = not exact or matched > len(rows)
    if not exact:
        message = f"{len(rows):,} of more than {matched:,} exported — narrow the filters"
    elif truncated:
        message = f"{len(rows):,} of {matched:,} exported — narrow the filters"
    else:
        message = f"{len(rows):,} exported"
    return ExportResult(data, len(rows), matched, truncated, time.perf_counter() - started, message)


def _render(rows: Sequence[Any], options: ExportOptions) -> bytes:
    """Rows of `ReferralRepository.raw_search` as the file: rules §2.1 columns, then as many
    Solution / Team member columns as the widest deal, then the deal's `Row Version`."""
    solution_cells, team_cells, version = _AT["solution_cells"], _AT["team_cells"], _AT["version"]
    items = [(_split(r[solution_cells]), _split(r[team_cells])) for r in rows]
    n_solutions = max([len(sols) for sols, _ in items] + [1])
    n_team = max([len(team) for _, team in items] + [1])
    headers = [*_headers(options.lang, n_solutions, n_team), ROW_VERSION]
    xlsx = options.format == "xlsx"
    cells = _field_cells()(*_formats(xlsx, options.delimiter == ";", labels_for(options.lang)))
    out: list[list[OutCell]] = []
    for r, (sols, team) in zip(rows, items, strict=True):
        line = cells(r)
        line += sols
        line += [None] * (n_solutions - len(sols))
        line += team
        line += [None] * (n_team - len(team))
        line.append(r[version])
        out.append(line)
    if xlsx:
        text = [i for i, f in enumerate(FIELD_ORDER) if f in _TEXT_FIELDS]
        return write_xlsx(headers, out, text_columns=text)
    return write_csv(headers, out, delimiter=options.delimiter)


#: position of each column in a row of `raw_search`
_AT = {column.name: i for i, column in enumerate(COLUMNS)}
#: How a stored value that is not written as it is reads in the file: a look-up of its
#: label, or a function (money, dates).
Show = Mapping[Any, OutCell] | Callable[[Any], OutCell]
#: The fields whose stored value `_formats` turns into the file's text.
_SHOWN = [
    f
    for f in FIELD_ORDER
    if f.spec.attr is not None
    and (
        f.spec.choices is not None
        or f.spec.kind in (Kind.SALES_STAGE, Kind.MONEY, Kind.DATE, Kind.YES_NO)
    )
]


def _formats(xlsx: bool, decimal_comma: bool, labels: ValueLabels) -> list[Show]:
    """How each field of `_SHOWN` reads in a file of this format and language."""
    yes_no: dict[Any, OutCell] = {True: labels.yes_no(True), False: labels.yes_no(False)}
    by_kind: dict[Kind, Show] = {
        Kind.SALES_STAGE: str,
        Kind.MONEY: _money_cell(xlsx, decimal_comma),
        Kind.DATE: to_date if xlsx else _us_date,
        Kind.YES_NO: yes_no,
    }
    formats: list[Show] = []
    for f in _SHOWN:
        spec = f.spec
        show: Show
        if spec.choices is not None:
            label = _LABELS.get(spec.choices, _value)
            show = {m.value: label(labels, m) for m in spec.choices}
        else:
            show = by_kind[spec.kind]
        if spec.optional:
            show = {**show, None: None} if isinstance(show, Mapping) else _or_none(show)
        formats.append(show)
    return formats


#: The label of a member of each enum, in a language.
_LABELS: dict[type[Enum], Callable[[ValueLabels, Any], str]] = {
    Status: ValueLabels.status,
    Substatus: ValueLabels.substatus,
    MicrosoftStatus: ValueLabels.ms_status,
}


def _value(_labels: ValueLabels, member: Enum) -> str:
    """A member of an enum without labels: its value."""
    return str(member.value)


def _or_none(show: Callable[[Any], OutCell]) -> Callable[[Any], OutCell]:
    return lambda value: None if value is None else show(value)


@functools.cache
def _field_cells() -> Callable[..., Callable[[Any], list[OutCell]]]:
    """Given the `_formats` of an export, the function from a row of `raw_search` to the
    cells of its fields, in file order (a field not stored, Errors, is empty). Written out
    once from the field table as one list display: as fast as a hand-written one, and it
    runs for every row an export writes."""
    looked_up = [isinstance(show, Mapping) for show in _formats(False, False, labels_for(None))]
    cells = []
    for f in FIELD_ORDER:
        if f.spec.attr is None:
            cells.append('""')
            continue
        value = f"r[{_AT[f.spec.column_name]}]"
        if f in _SHOWN:
            i = _SHOWN.index(f)
            value = f"_{i}[{value}]" if looked_up[i] else f"_{i}({value})"
        cells.append(value)
    shows = ", ".join(f"_{i}" for i in range(len(_SHOWN)))
    body = ",\n            ".join(cells)
    source = (
        f"def field_cells({shows}):\n"
        f"    def cells(r):\n"
        f"        return [\n            {body},\n        ]\n"
        f"    return cells\n"
    )
    env: dict[str, Any] = {}
    exec(compile(source, f"<field_cells of {__name__}>", "exec"), env)
    function: Callable[..., Callable[[Any], list[OutCell]]] = env["field_cells"]
    return function


def _split(cells: str) -> list[str]:
    return cells.split(ITEM_SEPARATOR) if cells else []


def _cents_text(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}" if part else str(whole)


def _money_cell(xlsx: bool, decimal_comma: bool) -> Any:
    if xlsx:
        return lambda cents: Decimal(cents).scaleb(-2)
    if decimal_comma:
        return lambda cents: _cents_text(cents).replace(".", ",")
    return _cents_text


def _us_date(value: Any) -> str:
    if isinstance(value, str):  # SQLite keeps ISO text: reorder without parsing
        return f"{value[5:7]}/{value[8:10]}/{value[0:4]}"
    return cells.format_date(value)


def render_template(fmt: Format, lang: str | None) -> bytes:
    headers = _headers(lang, 1, 1)
    if fmt == "csv":
        return write_csv(headers, [])
    required = [i for i, f in enumerate(FIELD_ORDER) if f in REQUIRED_ON_CREATE]
    required += [len(FIELD_ORDER), len(FIELD_ORDER) + 1]
    yes_no = [cells.format_yes_no(True), cells.format_yes_no(False)]
    position = {f: i for i, f in enumerate(FIELD_ORDER)}
    valid = {
        position[Field.STATUS]: [s.value for s in Status],
        position[Field.SUBSTATUS]: [s.value for s in Substatus],
        position[Field.REASON]: [
            *_meanings(DECLINED_LOST_REASONS, " (Declined/Lost)"),
            *_meanings(ERROR_REASONS, " (Error)"),
        ],
        position[Field.SALES_STAGE]: _meanings(SALES_STAGES),
        position[Field.HELP_REQUIRED]: yes_no,
        position[Field.HELP_CODE]: _meanings(HELP_CODES),
        position[Field.SHARE_WITH_MS]: yes_no,
        position[Field.CONSENT]: [cells.format_yes_no(True)],
    }
    return write_xlsx(
        headers,
        [],
        sheet_name="Referrals",
        required_columns=required,
        valid_values=valid,
        text_columns=[i for i, f in enumerate(FIELD_ORDER) if f in _TEXT_FIELDS],
    )


def _meanings(codes: dict[int, str], suffix: str = "") -> list[str]:
    """Each code with what it means, as import reads it back: `6 – Solution issues`."""
    return [f"{code} – {meaning}{suffix}" for code, meaning in codes.items()]


def _headers(lang: str | None, n_solutions: int, n_team: int) -> list[str]:
    names = headers_for(lang)
    headers = [names.field(f) for f in FIELD_ORDER]
    headers += [names.group(Group.SOLUTION, i) for i in range(1, n_solutions + 1)]
    headers += [names.group(Group.TEAM_MEMBER, i) for i in range(1, n_team + 1)]
    return headers
