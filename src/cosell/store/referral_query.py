"""The referral list's WHERE and ORDER BY: visibility, tabs, filters, search, sort, and
the keyset cursor that continues a sorted list.

One place builds them for the list, the API, the chart and export, so the same
filters always select the same deals.

Search is a case-insensitive substring of deal name, referral ID, customer name, notes
or CRM ID, answered from an index (migration 0006):

- SQLite: the FTS5 trigram table `referrals_fts`. The repository first asks it for the
  deals that match anywhere (at most `SPARSE_MATCHES` of them): when there are no more,
  the list reads exactly those deals. When there are more, the text is common, so the
  list walks its index in the list's order and checks each deal until the page is full:
  a few rows per match. The check is the same test: for a text of ASCII characters
  LIKE on the five columns (SQLite's LIKE folds ASCII case; the two characters the
  trigram index folds into ASCII letters, KELVIN SIGN and LONG S, are folded first);
  for other text the trigram index itself, one deal at a time.
- PostgreSQL: `ILIKE` on the five columns joined by U+001F, which the trigram GIN index
  `ix_referrals_search` holds. No stored value holds that character (cells refuse
  control characters), so a match never spans two columns.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)

from cosell.domain.actor import Actor
from cosell.domain.enums import Direction, Role
from cosell.domain.filters import MIN_SEARCH, SORT_KEYS, ReferralFilters, Tab
from cosell.errors import UsageError
from cosell.store.models import SEARCH_TEXT, favorites_t, referrals_t, solutions_t, team_t
from cosell.store.referral_rows import cents

#: SQLite: a text found in at most this many deals (of every organization) is searched
#: by reading exactly those deals; a more common one by checking deals in list order.
SPARSE_MATCHES = 2000

#: The FTS5 table of migration 0006 (not part of the models: Alembic must not manage it).
FTS = Table(
    "referrals_fts",
    MetaData(),
    Column("rowid", Integer),
    Column("referrals_fts", String),
)
#: the columns search covers, in the order of the SQLite FTS5 table's columns
SEARCHED = (
    referrals_t.c.deal_name,
    referrals_t.c.referral_id,
    referrals_t.c.customer_name,
    referrals_t.c.notes,
    referrals_t.c.crm_id,
)
#: joins the columns in PostgreSQL's searched text (`models.SEARCH_TEXT`)
SEPARATOR = "\x1f"
#: characters the trigram index folds into an ASCII letter (SQLite's LIKE does not)
_FOLDED_TO_ASCII = (("\u212a", "k"), ("\u017f", "s"))


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """How one request answers its search.

    `pks`: exactly the deals (of any organization) whose text matches; None: check each
    deal the list reads (`dialect` says how)."""

    text: str
    dialect: str
    pks: tuple[int, ...] | None = None


def search_text(f: ReferralFilters) -> str | None:
    """The text to search for, trimmed; None when the filters have no search."""
    if not f.search:
        return None
    text = f.search.strip()
    if len(text) < MIN_SEARCH:
        raise UsageError(f"search needs at least {MIN_SEARCH} characters")
    return text


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 phrase: every character literal (a quote doubled)."""
    return '"' + text.replace('"', '""') + '"'


def fts_match(text: str) -> ColumnElement[bool]:
    return FTS.c.referrals_fts.op("MATCH")(fts_phrase(text))


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its `%`, `_` and `\\` taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _row_matches(plan: SearchPlan) -> ColumnElement[bool]:
    """The search as a test of each row (the plan has no list of deals)."""
    pattern = like_pattern(plan.text)
    if plan.dialect == "postgresql":
        if SEPARATOR in plan.text:  # no value holds it
            return false()
        # The pattern is written into the SQL so the planner sees it (a prepared
        # statement's generic plan would not know how common the text is).
        return literal_column(SEARCH_TEXT).ilike(
            literal(pattern, String, literal_execute=True), escape="\\"
        )
    if plan.text.isascii():
        return or_(*(_ascii_folded(col).like(pattern, escape="\\") for col in SEARCHED))
    return exists().where(FTS.c.rowid == referrals_t.c.pk, fts_match(plan.text))


def _ascii_folded(col: Any) -> Any:
    for char, letter in _FOLDED_TO_ASCII:
        col = func.replace(col, char, letter)
    return col


@dataclass(frozen=True, slots=True)
class Hints:
    """What the repository learned before building a query. SQLite keeps no statistics
    here and guesses every equality matches a handful of rows, so on SQLite the query is
    written to be read in the order that is cheap:

    - `purpose` "rows" (a page or an export, in the list's order): a close-date range is
      checked on each row instead of driving the query, so the rows come in list order
      from the tab's index and the query stops when the page is full;
    - `purpose` "count" (a bounded count): the deals of a team member are read from the
      team index (ascending keys), not found by probing every deal of the tab;
    - `few_on_team`: team emails on few deals, read first for pages too.

    PostgreSQL plans from its statistics: the hints change nothing there."""

    dialect: str = ""
    search: SearchPlan | None = None
    purpose: str = "rows"
    few_on_team: frozenset[str] = frozenset()
    #: the query already joins this email's rows of the team index
    #: (`ReferralRepository.count_upto`)
    team_joined: str | None = None

    @property
    def sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def team_first(self, email_key: str) -> bool:
        return self.sqlite and (self.purpose == "count" or email_key in self.few_on_team)

    def on_team(self, org_id: int, email_key: str) -> ColumnElement[bool] | None:
        """The team condition for this email (None: the query joins it already)."""
        if email_key == self.team_joined:
            return None
        return _on_team(org_id, email_key, first=self.team_first(email_key))


def visible(
    actor: Actor, *, by_pk: bool = False, hints: Hints | None = None
) -> ColumnElement[bool]:
    """The WHERE clause of what the actor may see. `by_pk`: the query reads a short list
    of primary keys; SQLite, which keeps no statistics here, would otherwise walk the
    whole organization's index (it guesses an `org_id` matches a handful of rows)."""
    org = (referrals_t.c.org_id + 0) if by_pk else referrals_t.c.org_id
    clause: ColumnElement[bool] = org == actor.org_id
    if _sees_own_deals_only(actor):
        team = (hints or Hints()).on_team(actor.org_id, actor.email_key)
        if team is not None:
            clause = and_(clause, team)
    return clause


def _sees_own_deals_only(actor: Actor) -> bool:
    return actor.role is Role.USER and not actor.integration


def _on_team(org_id: int, email_key: str, *, first: bool = False) -> ColumnElement[bool]:
    """The deal's team lists this email: one probe of the team index per deal, or, with
    `first`, the email's deals read from the team index to start with."""
    if first:
        return referrals_t.c.pk.in_(
            select(team_t.c.referral_pk).where(
                team_t.c.org_id == org_id, team_t.c.email_key == email_key
            )
        )
    return exists().where(
        team_t.c.org_id == org_id,
        team_t.c.email_key == email_key,
        team_t.c.referral_pk == referrals_t.c.pk,
    )


def team_emails(actor: Actor, f: ReferralFilters) -> list[str]:
    """The team emails the query checks (the filter's, and a Referrals user's own)."""
    emails = [f.team_email.strip().casefold()] if f.team_email else []
    if _sees_own_deals_only(actor):
        emails.append(actor.email_key)
    return emails


def filtered(
    query: Select[Any],
    actor: Actor,
    f: ReferralFilters,
    search: SearchPlan | None = None,
    hints: Hints | None = None,
) -> Select[Any]:
    """`query` narrowed to what `actor` may see and to the list's filters; a search needs
    its plan (`ReferralRepository.search_plan`)."""
    hints = hints or Hints(search=search)
    search = hints.search
    own = actor.email_key if _sees_own_deals_only(actor) else None
    team = f.team_email.strip().casefold() if f.team_email else None
    own_first = own is not None and hints.team_first(own)
    team_first = team is not None and hints.team_first(team)
    # SQLite: the deals come from a short list of keys (found matches, favorites, a
    # team's deals), not from the organization's index
    by_pk = hints.sqlite and (
        (search is not None and search.pks is not None)
        or hints.team_joined is not None
        or f.tab is Tab.FAVORITES
        or own_first
        or team_first
    )
    conds: list[ColumnElement[bool]] = [visible(actor, by_pk=by_pk, hints=hints)]
    if f.tab is Tab.INBOUND:
        conds.append(referrals_t.c.direction == Direction.INCOMING.value)
    elif f.tab is Tab.OUTBOUND:
        conds.append(referrals_t.c.direction == Direction.OUTGOING.value)
    elif f.tab is Tab.FAVORITES:
        # a user's favorites are few: read them, not every deal of the tab
        conds.append(
            referrals_t.c.pk.in_(
                select(favorites_t.c.referral_pk).where(
                    favorites_t.c.user_id == (actor.user_id or -1)
                )
            )
        )
    for column, values in (
        (referrals_t.c.status, f.statuses),
        (referrals_t.c.substatus, f.substatuses),
        (referrals_t.c.ms_status, f.ms_statuses),
        (referrals_t.c.country, f.countries),
        (referrals_t.c.currency, f.currencies),
        (referrals_t.c.sales_stage, f.sales_stages),
    ):
        if values:
            conds.append(column.in_(values))
    if f.help_required is not None:
        conds.append(referrals_t.c.help_required == f.help_required)
    if f.created_from:
        conds.append(referrals_t.c.created_at >= _day(f.created_from))
    if f.created_to:
        conds.append(referrals_t.c.created_at < _day(f.created_to + dt.timedelta(days=1)))
    close: Any = referrals_t.c.close_date
    if hints.sqlite and hints.purpose == "rows" and not by_pk:  # the list's order drives
        close = type_coerce(literal_column("+referrals.close_date"), Date)  # no index
    if f.close_from:
        conds.append(close >= f.close_from)
    if f.close_to:
        conds.append(close <= f.close_to)
    if f.value_min is not None:
        conds.append(referrals_t.c.value_cents >= cents(f.value_min))
    if f.value_max is not None:
        conds.append(referrals_t.c.value_cents <= cents(f.value_max))
    if f.solution_id:
        conds.append(
            referrals_t.c.pk.in_(
                select(solutions_t.c.referral_pk).where(
                    solutions_t.c.org_id == actor.org_id, solutions_t.c.solution_id == f.solution_id
                )
            )
        )
    if f.team_email:
        on_team = hints.on_team(actor.org_id, team or "")
        if on_team is not None:
            conds.append(on_team)
    text = search_text(f)
    if text is not None:
        if search is None or search.text != text:
            raise ValueError("a search needs its plan")
        if search.pks is None:
            conds.append(_row_matches(search))
        else:
            conds.append(referrals_t.c.pk.in_(search.pks) if search.pks else false())
    return query.where(*conds)


def sort_column(sort: str) -> tuple[Any, bool]:
    """(column, descending) of a sort order such as `-created`."""
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        raise UsageError(f'cannot sort by "{key}"; expected one of {", ".join(SORT_KEYS)}')
    return referrals_t.c[SORT_KEYS[key]], desc


def order_by(sort: str) -> list[Any]:
    col, desc = sort_column(sort)
    return [
        col.desc() if desc else col.asc(),
        referrals_t.c.pk.desc() if desc else referrals_t.c.pk.asc(),
    ]


# ---------------------------------------------------------------------- keyset cursor
#
# A cursor is the sort order, the sort value of the last row of a page and its primary
# key, as base64 of JSON: the next page is the rows after that (value, pk) pair in the
# list's order, found by the sort index without counting the rows before it. Every sort
# column is NOT NULL (tests/store/test_keyset.py checks it), so the pair is a total order.


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: str
    value: Any
    pk: int


def encode_cursor(sort: str, raw_value: Any, pk: int) -> str:
    """The cursor after a row whose sort column holds `raw_value` (as the driver read it)."""
    if isinstance(raw_value, dt.datetime):
        value: Any = {"t": raw_value.isoformat()}
    elif isinstance(raw_value, dt.date):
        value = {"d": raw_value.isoformat()}
    else:
        value = raw_value
    data = json.dumps([sort, value, pk], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> Cursor:
    """The cursor a list page gave; refuses one of another sort order or not made here."""
    bad = UsageError("cursor is not one this list gave, start again without it")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise bad from None
    if not (isinstance(data, list) and len(data) == 3):
        raise bad
    given, value, pk = data
    if given != sort:
        raise UsageError(f'cursor belongs to the sort order "{given}", not "{sort}"')
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise bad
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        try:
            value = dt.datetime.fromisoformat(text) if tag == "t" else dt.date.fromisoformat(text)
        except (TypeError, ValueError):
            raise bad from None
    elif not isinstance(value, (str, int)) or isinstance(value, bool):
        raise bad
    return Cursor(sort, value, pk)


def after(cursor: Cursor) -> ColumnElement[bool]:
    """The rows after the cursor in its sort order. Written as `col >= v AND (col > v OR
    pk > p)` (descending: the other way) so the first part seeks in the sort index."""
    col, desc = sort_column(cursor.sort)
    # SQLite keeps dates as text: compare the text as it was read
    value = (
        literal(cursor.value, String)
        if isinstance(cursor.value, str)
        else literal(cursor.value, col.type)
    )
    if desc:
        return and_(col <= value, or_(col < value, referrals_t.c.pk < cursor.pk))
    return and_(col >= value, or_(col > value, referrals_t.c.pk > cursor.pk))


def _day(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day)


__all__ = [
    "FTS",
    "SPARSE_MATCHES",
    "Cursor",
    "Hints",
    "SearchPlan",
    "after",
    "decode_cursor",
    "encode_cursor",
    "filtered",
    "fts_match",
    "fts_phrase",
    "like_pattern",
    "order_by",
    "search_text",
    "sort_column",
    "team_emails",
    "visible",
]
