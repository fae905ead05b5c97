"""Export (SPEC §4) and the empty template: referrals → CSV or XLSX."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection

from cosell.domain import cells
from cosell.domain.enums import (
    DECLINED_LOST_REASONS,
    ERROR_REASONS,
    HELP_CODES,
    SALES_STAGES,
    Status,
    Substatus,
)
from cosell.domain.fields import FIELD_ORDER, REQUIRED_ON_CREATE, Field, Group
from cosell.domain.headers import headers_for
from cosell.domain.model import Referral
from cosell.errors import UsageError
from cosell.files.table import OutCell
from cosell.files.writer import write_csv, write_xlsx
from cosell.services.actor import Actor
from cosell.settings import Settings
from cosell.store.filters import ReferralFilters
from cosell.store.referrals import ReferralRepository

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


@dataclass(frozen=True, slots=True)
class ExportOptions:
    filters: ReferralFilters = field(default_factory=ReferralFilters)
    format: Format = "csv"
    lang: str | None = None
    delimiter: str = ","

    def __post_init__(self) -> None:
        if self.format not in ("csv", "xlsx"):
            raise UsageError(f'format must be csv or xlsx, not "{self.format}"')
        if self.delimiter not in (",", ";"):
            raise UsageError(f'delimiter must be "," or ";", not "{self.delimiter}"')
        headers_for(self.lang)  # validates the language early


@dataclass(slots=True)
class ExportResult:
    data: bytes
    rows: int
    matched: int
    truncated: bool
    duration_s: float
    message: str

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "truncated": self.truncated,
            "duration_s": round(self.duration_s, 4),
            "message": self.message,
        }


def export_referrals(
    conn: Connection, actor: Actor, options: ExportOptions, settings: Settings
) -> ExportResult:
    started = time.perf_counter()
    repo = ReferralRepository(conn, actor)
    referrals = repo.search(options.filters, limit=settings.max_export_rows)
    matched = len(referrals)
    if matched >= settings.max_export_rows:
        matched = repo.count(options.filters)
    truncated = matched > len(referrals)
    data = render_referrals(referrals, options)
    if truncated:
        message = f"{len(referrals):,} of {matched:,} exported — narrow the filters"
    else:
        message = f"{len(referrals):,} exported"
    return ExportResult(
        data, len(referrals), matched, truncated, time.perf_counter() - started, message
    )


def render_referrals(referrals: Sequence[Referral], options: ExportOptions) -> bytes:
    n_solutions = max([len(r.solutions) for r in referrals] + [1])
    n_team = max([len(r.team) for r in referrals] + [1])
    headers = _headers(options.lang, n_solutions, n_team)
    xlsx = options.format == "xlsx"
    comma = options.delimiter == ";"
    rows = [_row(r, n_solutions, n_team, xlsx=xlsx, decimal_comma=comma) for r in referrals]
    if xlsx:
        text = [i for i, f in enumerate(FIELD_ORDER) if f in _TEXT_FIELDS]
        return write_xlsx(headers, rows, text_columns=text)
    return write_csv(headers, rows, delimiter=options.delimiter)


def render_template(fmt: Format, lang: str | None) -> bytes:
    headers = _headers(lang, 1, 1)
    if fmt == "csv":
        return write_csv(headers, [])
    required = [i for i, f in enumerate(FIELD_ORDER) if f in REQUIRED_ON_CREATE]
    required += [len(FIELD_ORDER), len(FIELD_ORDER) + 1]
    yes_no = ["Yes", "No"]
    position = {f: i for i, f in enumerate(FIELD_ORDER)}
    valid = {
        position[Field.STATUS]: [s.value for s in Status],
        position[Field.SUBSTATUS]: [s.value for s in Substatus],
        position[Field.REASON]: [
            f"{code}" for code in sorted(set(DECLINED_LOST_REASONS) | set(ERROR_REASONS))
        ],
        position[Field.SALES_STAGE]: [str(s) for s in SALES_STAGES],
        position[Field.HELP_REQUIRED]: yes_no,
        position[Field.HELP_CODE]: [str(c) for c in HELP_CODES],
        position[Field.SHARE_WITH_MS]: yes_no,
        position[Field.CONSENT]: ["Yes"],
    }
    return write_xlsx(
        headers,
        [],
        sheet_name="Referrals",
        required_columns=required,
        valid_values=valid,
        text_columns=[i for i, f in enumerate(FIELD_ORDER) if f in _TEXT_FIELDS],
    )


def _headers(lang: str | None, n_solutions: int, n_team: int) -> list[str]:
    names = headers_for(lang)
    headers = [names.field(f) for f in FIELD_ORDER]
    headers += [names.group(Group.SOLUTION, i) for i in range(1, n_solutions + 1)]
    headers += [names.group(Group.TEAM_MEMBER, i) for i in range(1, n_team + 1)]
    return headers


def _row(
    r: Referral, n_solutions: int, n_team: int, *, xlsx: bool, decimal_comma: bool
) -> list[OutCell]:
    yes, no = "Yes", "No"
    value: OutCell = r.deal_value if xlsx else cells.format_decimal(r.deal_value, decimal_comma)
    close: OutCell = r.close_date if xlsx else cells.format_date(r.close_date)
    row: list[OutCell] = [
        "",
        r.engagement_id,
        r.id,
        r.deal_name,
        r.customer_name,
        r.address_1,
        r.address_2,
        r.city,
        r.state,
        r.postal_code,
        r.country,
        r.duns,
        r.contact_first_name,
        r.contact_last_name,
        r.contact_phone,
        r.contact_email,
        r.status.value,
        r.substatus.value,
        r.ms_status.value if r.ms_status else None,
        None if r.reason is None else str(r.reason),
        str(r.sales_stage),
        value,
        r.currency,
        close,
        r.crm_id,
        r.campaign_id,
        r.notes,
        yes if r.help_required else no,
        None if r.help_code is None else str(r.help_code),
        yes if r.share_with_ms else no,
        r.notes_to_ms,
        yes if r.consent else no,
    ]
    row.extend(cells.format_solution(s, decimal_comma=False) for s in r.solutions)
    row.extend([None] * (n_solutions - len(r.solutions)))
    row.extend(cells.format_team_member(m) for m in r.team)
    row.extend([None] * (n_team - len(r.team)))
    return row
