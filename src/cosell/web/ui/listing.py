"""The list's state in its URL: tab, filters, search, sort, page — parsed and written back.

The list page, the export form (hidden fields) and every link that keeps the
filters (tabs, sort headers, pages, chart currency) go through `ListPageQuery`.
A value that cannot be understood is left out of the filters and reported in
`problems`, so one typo shows a message instead of an error page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.enums import SALES_STAGES, MicrosoftStatus, Status, Substatus
from cosell.domain.filters import SORT_KEYS, ReferralFilters, Tab
from cosell.i18n import N_, Msg, term

TABS: tuple[tuple[Tab, str], ...] = (
    (Tab.INBOUND, N_("Inbound")),
    (Tab.OUTBOUND, N_("Outbound")),
    (Tab.FAVORITES, N_("Favorites")),
)
PAGE_SIZES = (25, 50, 100)
DEFAULT_SIZE = 25
DEFAULT_SORT = "-created"
MIN_SEARCH = 3
MAX_COUNTRIES = 50
HELP_CHOICES = (("", N_("Any")), ("yes", N_("Yes")), ("no", N_("No")))

#: The filter fields of the URL in the panel's order: those picked from a list, then typed ones.
MULTI = ("status", "substatus", "ms_status", "stage")
TEXT = (
    "country",
    "currency",
    "help",
    "created_from",
    "created_to",
    "close_from",
    "close_to",
    "value_min",
    "value_max",
    "solution",
    "team",
)
#: Each filter of the list: its URL name, its name in `ReferralFilters` (so also in an
#: export job's stored options), and its label on the pages (English; shown translated).
FILTERS: tuple[tuple[str, str, str], ...] = (
    ("status", "statuses", N_("Status")),
    ("substatus", "substatuses", N_("Substatus")),
    ("ms_status", "ms_statuses", N_("Microsoft status")),
    ("stage", "sales_stages", N_("Sales stage")),
    ("country", "countries", N_("Country")),
    ("currency", "currencies", N_("Currency")),
    ("help", "help_required", N_("Help required")),
    ("created_from", "created_from", N_("Created from")),
    ("created_to", "created_to", N_("Created until")),
    ("close_from", "close_from", N_("Closing from")),
    ("close_to", "close_to", N_("Closing until")),
    ("value_min", "value_min", N_("Value from")),
    ("value_max", "value_max", N_("Value up to")),
    ("solution", "solution_id", N_("Solution ID")),
    ("team", "team_email", N_("Team member")),
    ("q", "search", N_("Search")),
)
#: label by URL name
LABELS = {url: label for url, _, label in FILTERS}
#: label by `ReferralFilters` name
FILTER_LABELS = {name: label for _, name, label in FILTERS}

CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "status": tuple((s.value, s.value) for s in Status),
    "substatus": tuple((s.value, s.value) for s in Substatus),
    "ms_status": tuple((s.value, s.value) for s in MicrosoftStatus),
    "stage": tuple((str(k), v) for k, v in SALES_STAGES.items()),
}
"""Each list filter's choices: (value, label); a label is English, shown translated (a
sales stage's after its percentage)."""


@dataclass(frozen=True, slots=True)
class ListPageQuery:
    tab: Tab = Tab.INBOUND
    multi: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    size: int = DEFAULT_SIZE
    chart: str = ""

    # ------------------------------------------------------------------ urls
    def params(self, *, paging: bool = True) -> list[tuple[str, str]]:
        """The query as URL parameters, defaults left out."""
        out: list[tuple[str, str]] = [("tab", self.tab.value)]
        for name in MULTI:
            out.extend((name, v) for v in self.multi.get(name, ()))
        out.extend((name, self.text[name]) for name in TEXT if self.text.get(name))
        if self.q:
            out.append(("q", self.q))
        if self.sort != DEFAULT_SORT:
            out.append(("sort", self.sort))
        if paging:
            if self.page != 1:
                out.append(("page", str(self.page)))
            if self.size != DEFAULT_SIZE:
                out.append(("size", str(self.size)))
            if self.chart:
                out.append(("chart", self.chart))
        return out

    def url(self, **changes: object) -> str:
        """This list's URL with some parts changed (`page`, `sort`, `tab`, `chart` …)."""
        query = replace(self, **changes)  # type: ignore[arg-type]
        return "/?" + urlencode(query.params())

    def with_tab(self, tab: Tab) -> str:
        return self.url(tab=tab, page=1)

    def sort_url(self, key: str) -> str:
        """Sorting by `key`: ascending first, descending when it already is ascending."""
        wanted = f"-{key}" if self.sort == key else key
        return self.url(sort=wanted, page=1)

    def sorted_by(self, key: str) -> str:
        """ "asc", "desc" or "" for a column header."""
        if self.sort == key:
            return "asc"
        return "desc" if self.sort == f"-{key}" else ""

    def without(self, name: str, value: str | None = None) -> str:
        """The URL with one filter (or one of its values) removed."""
        if name == "q":
            return self.url(q="", page=1)
        if name in MULTI:
            kept = tuple(v for v in self.multi.get(name, ()) if value is not None and v != value)
            return self.url(multi={**self.multi, name: kept}, page=1)
        return self.url(text={**self.text, name: ""}, page=1)

    def clear_url(self) -> str:
        return "/?" + urlencode([("tab", self.tab.value)])

    # -------------------------------------------------------------- display
    def chips(self) -> Iterator[tuple[str, str, str]]:
        """(label, value, URL without it) for each active filter, in the reader's language."""
        for name in MULTI:
            for value in self.multi.get(name, ()):
                shown = f"{value}%" if name == "stage" else value
                if name != "stage":
                    shown = term(shown)
                yield term(LABELS[name]), shown, self.without(name, value)
        for name in TEXT:
            if self.text.get(name):
                yield term(LABELS[name]), self.text[name], self.without(name)
        if self.q:
            yield term(LABELS["q"]), self.q, self.without("q")

    @property
    def active_filters(self) -> int:
        return sum(len(v) for v in self.multi.values()) + sum(1 for v in self.text.values() if v)

    def selected(self, name: str, value: str) -> bool:
        return value in self.multi.get(name, ())


@dataclass(frozen=True, slots=True)
class ParsedList:
    query: ListPageQuery
    filters: ReferralFilters
    problems: list[str]


def parse(items: Iterable[tuple[str, str]]) -> ParsedList:
    """Read the list's URL parameters (or the same fields posted by the export form)."""
    values: dict[str, list[str]] = {}
    for key, value in items:
        values.setdefault(key, []).append(value.strip())

    def one(name: str) -> str:
        found = [v for v in values.get(name, []) if v]
        return found[-1] if found else ""

    problems: list[str] = []
    tab = next((t for t, _ in TABS if t.value == one("tab").casefold()), Tab.INBOUND)
    multi: dict[str, tuple[str, ...]] = {}
    for name in MULTI:
        allowed = {key.casefold(): key for key, _ in CHOICES[name]}
        picked: list[str] = []
        for raw in values.get(name, []):
            if not raw:
                continue
            found = allowed.get(raw.casefold().rstrip("%"))
            if found is None:
                choices = ", ".join(allowed.values())
                problems.append(
                    Msg(
                        '%(filter)s "%(value)s" is not one of %(choices)s; it was ignored.',
                        filter=Msg.marked(LABELS[name]),
                        value=raw,
                        choices=choices,
                    )
                )
            elif found not in picked:
                picked.append(found)
        multi[name] = tuple(picked)
    text = {name: one(name) for name in TEXT}
    q = one("q")
    sort = one("sort") or DEFAULT_SORT
    if sort.lstrip("-") not in SORT_KEYS:
        sort = DEFAULT_SORT
    page = _positive(one("page"), 1)
    size = _positive(one("size"), DEFAULT_SIZE)
    if size not in PAGE_SIZES:
        size = DEFAULT_SIZE
    filters = ReferralFilters(
        tab=tab,
        statuses=list(multi["status"]),
        substatuses=list(multi["substatus"]),
        ms_statuses=list(multi["ms_status"]),
        sales_stages=[int(s) for s in multi["stage"]],
        sort=sort,
    )
    _read_text(text, filters, problems)
    if q:
        if len(q) < MIN_SEARCH:
            problems.append(
                Msg(
                    'Search needs at least %(min)s characters; "%(text)s" was not searched for.',
                    min=MIN_SEARCH,
                    text=q,
                )
            )
        else:
            filters.search = q
    query = ListPageQuery(tab, multi, text, q, sort, page, size, one("chart").upper()[:3])
    return ParsedList(query, filters, problems)


def _positive(text: str, default: int) -> int:
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 10**6 else default


def _read_text(text: dict[str, str], f: ReferralFilters, problems: list[str]) -> None:
    """Sets the filters given as text; a value that is not understood is reported and
    removed from `text`, so the links of the page do not carry it on."""

    def fail(name: str, message: str) -> None:
        problems.append(
            Msg(
                '%(filter)s "%(value)s": %(problem)s; it was ignored.',
                filter=Msg.marked(LABELS[name]),
                value=text[name],
                problem=message,
            )
        )
        text[name] = ""

    codes = _codes(text["country"])
    if len(codes) > MAX_COUNTRIES:
        fail("country", Msg("at most %(max)s countries can be chosen at once", max=MAX_COUNTRIES))
    elif codes:
        try:
            f.countries = _unique(cells.parse_country(c) for c in codes)
            text["country"] = ", ".join(f.countries)
        except CellError as exc:
            fail("country", exc.expected)
    codes = _codes(text["currency"])
    if codes:
        try:
            f.currencies = _unique(cells.parse_currency(c) for c in codes)
            text["currency"] = ", ".join(f.currencies)
        except CellError as exc:
            fail("currency", exc.expected)
    help_choice = text["help"].casefold()
    if help_choice in ("yes", "no"):
        f.help_required = help_choice == "yes"
    elif help_choice:
        fail("help", Msg("expected yes or no"))
    for name in ("created_from", "created_to", "close_from", "close_to"):
        if text[name]:
            try:
                setattr(f, name, dt.date.fromisoformat(text[name]))
            except ValueError:
                fail(name, Msg("expected a date such as 2027-01-30"))
    for name in ("value_min", "value_max"):
        if text[name]:
            try:
                setattr(f, name, cells.parse_decimal(text[name], decimal_comma=False))
            except CellError as exc:
                fail(name, exc.expected)
    f.solution_id = text["solution"] or None
    f.team_email = text["team"] or None


def _codes(text: str) -> list[str]:
    return [c for c in text.replace(",", " ").replace(";", " ").split() if c]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
