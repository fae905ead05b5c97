"""Export (SPEC §4) and the empty template: referrals → CSV or XLSX."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
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
from cosell.domain.fields import FIELD_ORDER, REQUIRED_ON_CREATE, Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.headers import ROW_VERSION
from cosell.domain.job_summaries import ExportSummary
from cosell.domain.job_types import ExportOptions
from cosell.domain.value_names import labels_for
from cosell.files.table import OutCell
from cosell.files.writer import write_csv, write_xlsx
from cosell.services.gc import gc_paused
from cosell.services.referrals import count_bound
from cosell.services.uow import UnitOfWork
from cosell.settings import Settings
from cosell.store.referral_rows import ITEM_SEPARATOR
from cosell.store.referrals import to_date

Format = Literal["csv", "xlsx"]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: Columns written as text in XLSX: identifiers a spreadsheet would otherwise mangle.
_TEXT_FIELDS = frozenset(
    {
        Field.ENGAGEMENT_ID,
        Field.REFERRAL_ID,
        Field.POSTAL_CODE,
        Field.DUNS,
        Field.CONTACT_PHONE,
        Field.CRM_ID,
        Field.CAMPAIGN_ID,
    }
)


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
    """Rows of `ReferralRepository.raw_search` as the file: SPEC §2.1 columns, then as many
    Solution / Team member columns as the widest deal, then the deal's `Row Version`."""
    items = [(_split(r[36]), _split(r[37])) for r in rows]
    n_solutions = max([len(sols) for sols, _ in items] + [1])
    n_team = max([len(team) for _, team in items] + [1])
    headers = [*_headers(options.lang, n_solutions, n_team), ROW_VERSION]
    xlsx = options.format == "xlsx"
    money = _money_cell(xlsx, options.delimiter == ";")
    day = to_date if xlsx else _us_date
    labels = labels_for(options.lang)
    yes_no = {True: labels.yes_no(True), False: labels.yes_no(False)}
    status = {s.value: labels.status(s) for s in Status}
    substatus = {s.value: labels.substatus(s) for s in Substatus}
    ms_status = {s.value: labels.ms_status(s) for s in MicrosoftStatus} | {None: None}
    out: list[list[OutCell]] = []
    for r, (sols, team) in zip(rows, items, strict=True):
        line: list[OutCell] = [
            "", r[2], r[1], *r[4:17], status[r[17]], substatus[r[18]], ms_status[r[19]], r[20],
            str(r[21]), money(r[22]), r[23], day(r[24]),
            r[25], r[26], r[27], yes_no[r[29]], r[30], yes_no[r[31]], r[28], yes_no[r[32]],
            *sols, *[None] * (n_solutions - len(sols)), *team, *[None] * (n_team - len(team)),
            r[33],
        ]  # fmt: skip
        out.append(line)
    if xlsx:
        text = [i for i, f in enumerate(FIELD_ORDER) if f in _TEXT_FIELDS]
        return write_xlsx(headers, out, text_columns=text)
    return write_csv(headers, out, delimiter=options.delimiter)


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
