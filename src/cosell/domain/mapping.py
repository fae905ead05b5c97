"""A column mapping: how the columns of a file from another system (a CRM's export)
become our columns, before the normal import reads them.

Its JSON form (the `--mapping` file, the API, a saved profile)::

    {"columns": {"Opportunity Name": "Deal Name",
                 "Stage": ["Partner Referral Status", "Partner Referral Substatus"]},
     "values":  {"Consent to share Customer/Partner contact": "Yes"},
     "convert": {"Partner Referral Status": {"Closed Won": "Closed", "*": "Active"},
                 "Partner Referral Substatus": {"Closed Won": "Won", "*": "Accepted"}}}

- `columns`: their header → one of our columns (or a list of them: one of their
  columns may fill several of ours, each with its own conversion). Their columns the
  mapping does not name are left out, except our own key columns of a results file
  (Referral ID, Engagement ID, Row Version), which pass through.
- `values`: our column → a constant: the value when the file has no column for it, or
  when its cell is empty.
- `convert`: our column → {their value: our value}; values match without regard to
  case and surrounding spaces; `"*"` stands for every other non-empty value. A value
  with no conversion is kept as it is (the import then says what is wrong with it).

"Our columns" are the English Partner Center headers (`fields.Field`), `Solution N`,
`Team member N`, or any spelling the header registry knows. The transformation is pure:
`MappedLayout` turns their header row into ours and each of their rows into a row of
ours, so the mapped file goes through the same pipeline as any other.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cosell.domain.field_spec import Access
from cosell.domain.fields import Field
from cosell.domain.headers import (
    ROW_VERSION,
    ColumnKey,
    ColumnMap,
    normalize_header,
    resolve_header,
)
from cosell.domain.model import Cell
from cosell.errors import FileRejected, UsageError
from cosell.i18n import Msg

__all__ = ["ANY_VALUE", "ColumnMapping", "MappedLayout", "MappingError", "our_column"]

#: The content type of an upload kept while its mapping is made (the import page's
#: mapping step): a file no job refers to yet, which the upkeep deletes when it is old.
KEPT_UPLOAD_TYPE: Final = "application/vnd.cosell.mapping-step"
#: The conversion key for every value the conversion does not list.
ANY_VALUE: Final = "*"
#: Limits that keep a mapping a mapping (and its stored JSON small).
MAX_ENTRIES: Final = 300
MAX_TEXT: Final = 200
_PASS_THROUGH: Final = {
    normalize_header(Field.REFERRAL_ID.value): Field.REFERRAL_ID.value,
    normalize_header(Field.ENGAGEMENT_ID.value): Field.ENGAGEMENT_ID.value,
    normalize_header(ROW_VERSION): ROW_VERSION,
}
_SECTIONS: Final = ("columns", "values", "convert")


class MappingError(UsageError):
    """A mapping that cannot be used; `problems` says each thing wrong with it."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            Msg("The mapping cannot be used: %(problems)s", problems="; ".join(self.problems))
        )


def our_column(text: str) -> str | None:
    """The canonical header of our column `text` names (any spelling the registry knows,
    or `Row Version`); None when it names none we import."""
    if normalize_header(text) == normalize_header(ROW_VERSION):
        return ROW_VERSION
    meaning = resolve_header(text)
    if not isinstance(meaning, ColumnKey):
        return None
    if meaning.field is not None and meaning.field.spec.access is Access.IGNORED:
        return None
    return meaning.label


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    #: their header (as written) → our canonical headers
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: our canonical header → its constant
    values: dict[str, str] = field(default_factory=dict)
    #: our canonical header → {their value as written: our value}
    convert: dict[str, dict[str, str]] = field(default_factory=dict)

    # ------------------------------------------------------------ JSON
    @classmethod
    def from_json(cls, data: Any) -> ColumnMapping:
        """The mapping `data` (parsed JSON) describes; MappingError naming every entry
        that is wrong and what was expected."""
        problems: list[str] = []
        if not isinstance(data, dict):
            raise MappingError(
                [Msg('expected a JSON object with "columns", "values" and "convert"')]
            )
        for name in data:
            if name not in _SECTIONS and name not in ("name", "description"):
                problems.append(
                    Msg(
                        '"%(name)s" is not a part of a mapping, expected "columns", '
                        '"values" or "convert"',
                        name=str(name)[:MAX_TEXT],
                    )
                )
        columns = _section(data, "columns", problems)
        values = _section(data, "values", problems)
        convert = _section(data, "convert", problems)
        if sum(map(len, (columns, values, convert))) > MAX_ENTRIES:
            raise MappingError([Msg("at most %(n)s entries", n=MAX_ENTRIES)])

        mapped: dict[str, tuple[str, ...]] = {}
        filled_by: dict[str, str] = {}
        seen: dict[str, str] = {}
        for theirs, target in columns.items():
            if not theirs.strip() or len(theirs) > MAX_TEXT:
                problems.append(Msg("columns: a header of the file must be 1 to 200 characters"))
                continue
            if _key(theirs) in seen:
                problems.append(
                    Msg(
                        'columns: "%(a)s" and "%(b)s" are the same column of the file',
                        a=seen[_key(theirs)],
                        b=theirs,
                    )
                )
                continue
            seen[_key(theirs)] = theirs
            targets = [target] if isinstance(target, str) else target
            if target is None or (isinstance(target, list) and not target):
                continue  # left out on purpose
            if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
                problems.append(
                    Msg(
                        'columns: "%(theirs)s" must map to the name of one of our columns or '
                        "a list of them",
                        theirs=theirs,
                    )
                )
                continue
            ours: list[str] = []
            for t in targets:
                canonical = _ours(f'columns: "{theirs}"', t, problems)
                if canonical is None:
                    continue
                if canonical in filled_by:
                    problems.append(
                        Msg(
                            'columns: "%(a)s" and "%(b)s" both fill "%(ours)s", expected one '
                            "column of the file for each of ours",
                            a=filled_by[canonical],
                            b=theirs,
                            ours=canonical,
                        )
                    )
                    continue
                filled_by[canonical] = theirs
                ours.append(canonical)
            if ours:
                mapped[theirs] = tuple(ours)

        constants: dict[str, str] = {}
        for ours_text, value in values.items():
            canonical = _ours("values", ours_text, problems)
            if canonical is None:
                continue
            if isinstance(value, bool):
                value = "Yes" if value else "No"
            elif isinstance(value, int | float):
                value = str(value)
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                problems.append(
                    Msg(
                        'values: "%(ours)s" must be a text of at most 200 characters',
                        ours=canonical,
                    )
                )
                continue
            constants[canonical] = value

        conversions: dict[str, dict[str, str]] = {}
        for ours_text, table in convert.items():
            canonical = _ours("convert", ours_text, problems)
            if canonical is None:
                continue
            if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and len(k) <= MAX_TEXT
                and len(v) <= MAX_TEXT
                for k, v in table.items()
            ):  # fmt: skip
                problems.append(
                    Msg(
                        'convert: "%(ours)s" must be an object of their values and ours '
                        '(texts), like {"Closed Won": "Won"}',
                        ours=canonical,
                    )
                )
                continue
            if canonical not in filled_by:
                problems.append(
                    Msg(
                        'convert: "%(ours)s" is filled by no column of the file, expected it '
                        'in "columns"',
                        ours=canonical,
                    )
                )
                continue
            conversions[canonical] = dict(table)
        if problems:
            raise MappingError(problems)
        if not mapped and not constants:
            raise MappingError([Msg("the mapping maps no column, expected at least one")])
        return cls(mapped, constants, conversions)

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": {k: v[0] if len(v) == 1 else list(v) for k, v in self.columns.items()},
            "values": dict(self.values),
            "convert": {k: dict(v) for k, v in self.convert.items()},
        }

    # ------------------------------------------------------------ the file
    def header_score(self, headers: Sequence[str]) -> int:
        """How many of a header row's cells the mapping names (the reader's evidence for
        the header row and the delimiter)."""
        wanted = {_key(h) for h in self.columns}
        return sum(1 for h in headers if isinstance(h, str) and _key(h) in wanted)

    def layout(self, headers: Sequence[str]) -> MappedLayout:
        """How a file with the header row `headers` becomes ours; FileRejected naming
        each column of the mapping that the file does not have."""
        position: dict[str, int] = {}
        for i, h in enumerate(headers):
            position.setdefault(_key(h), i)
        missing = [h for h in self.columns if _key(h) not in position]
        if missing:
            shown = ", ".join(f'"{h}"' for h in headers[:20] if h.strip())
            raise FileRejected(
                Msg(
                    "The mapping names columns the file does not have: %(missing)s; the "
                    "file's columns are %(columns)s",
                    missing=", ".join(f'"{h}"' for h in missing),
                    columns=shown or "none",
                )
            )
        out: list[_Out] = []
        for theirs, ours in self.columns.items():
            idx = position[_key(theirs)]
            for canonical in ours:
                name = headers[idx] if len(ours) == 1 else f"{headers[idx]} ({canonical})"
                out.append(
                    _Out(
                        canonical,
                        name,
                        idx,
                        self.values.get(canonical),
                        _conversion(self.convert.get(canonical)),
                    )
                )
        filled = {o.header for o in out}
        for i, h in enumerate(headers):
            through = _PASS_THROUGH.get(normalize_header(h))
            if through is not None and through not in filled and h not in self.columns:
                out.append(_Out(through, h, i, None, None))
                filled.add(through)
        for canonical, value in self.values.items():
            if canonical not in filled:
                out.append(_Out(canonical, f"{canonical} (mapping)", None, value, None))
        return MappedLayout(out, len(headers))


def _section(data: Mapping[str, Any], name: str, problems: list[str]) -> dict[str, Any]:
    part = data.get(name)
    if part is None:
        return {}
    if not isinstance(part, dict):
        problems.append(Msg('"%(name)s" must be a JSON object', name=name))
        return {}
    return part


def _ours(where: str, text: Any, problems: list[str]) -> str | None:
    if not isinstance(text, str):
        problems.append(Msg("%(where)s: expected the name of one of our columns", where=where))
        return None
    canonical = our_column(text)
    if canonical is None:
        problems.append(
            Msg(
                '%(where)s: "%(ours)s" is not one of our columns, expected a Partner Center '
                'header such as "Deal Name" or "Estimated Close Date"',
                where=where,
                ours=text[:MAX_TEXT],
            )
        )
    return canonical


def _conversion(table: Mapping[str, str] | None) -> dict[str, str] | None:
    if not table:
        return None
    return {_key(k) if k != ANY_VALUE else ANY_VALUE: v for k, v in table.items()}


@dataclass(frozen=True, slots=True)
class _Out:
    """One column of the mapped file."""

    header: str
    #: how row errors name it: their header (or our header for a constant)
    name: str
    source: int | None
    default: str | None
    conversion: dict[str, str] | None

    def cell(self, row: Sequence[Cell]) -> Cell:
        value: Cell = row[self.source] if self.source is not None and self.source < len(row) else ""
        if self.conversion is not None and isinstance(value, str) and value.strip():
            key = _key(value)
            converted = self.conversion.get(key, self.conversion.get(ANY_VALUE))
            if converted is not None:
                value = converted
        if self.default is not None and isinstance(value, str) and not value.strip():
            value = self.default
        if self.header == _COUNTRY and isinstance(value, str):
            value = country_code(value) or value
        return value


_COUNTRY: Final = Field.COUNTRY.value
#: Names CRMs use for a country that are not its ISO name.
_COUNTRY_ALIASES: Final = {
    "uk": "GB", "england": "GB", "great britain": "GB", "scotland": "GB", "wales": "GB",
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "holland": "NL",
    "the netherlands": "NL", "russia": "RU", "south korea": "KR", "korea": "KR",
    "vietnam": "VN", "czech republic": "CZ", "turkey": "TR", "iran": "IR", "taiwan": "TW",
}  # fmt: skip


@functools.cache
def _country_names() -> dict[str, str]:
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            text = getattr(c, attr, None)
            if text:
                names[_key(text)] = c.alpha_2
    names.update(_COUNTRY_ALIASES)
    return names


def country_code(name: str) -> str | None:
    """The ISO 3166 alpha-2 code of a country's English name ("Netherlands" → NL), as a
    CRM writes it; None when it names none. A mapped file's country column reads names."""
    return _country_names().get(_key(name))


@dataclass(frozen=True, slots=True)
class MappedLayout:
    """A mapping applied to one file's header row."""

    columns: list[_Out]
    #: how many columns their file has
    width: int

    @property
    def headers(self) -> list[str]:
        """The mapped file's header row: our canonical headers."""
        return [c.header for c in self.columns]

    @property
    def names(self) -> list[str]:
        """How row errors name each mapped column: the file's own header."""
        return [c.name for c in self.columns]

    def row(self, cells: Sequence[Cell]) -> list[Cell]:
        """One of their rows as a row of ours."""
        return [c.cell(cells) for c in self.columns]

    def results_map(self, headers: Sequence[str]) -> ColumnMap:
        """The columns of their file (`headers`) the results file treats as ours: the
        ids it fills in, and its own Errors and Row Version columns it writes anew. The
        results file keeps their header row and cells."""
        fields: dict[Field, int] = {}
        row_version = None
        for c in self.columns:
            if c.source is None or c.conversion is not None or c.default is not None:
                continue
            if c.header in (Field.REFERRAL_ID.value, Field.ENGAGEMENT_ID.value):
                fields[
                    Field.REFERRAL_ID
                    if c.header == Field.REFERRAL_ID.value
                    else Field.ENGAGEMENT_ID
                ] = c.source
            elif c.header == ROW_VERSION:
                row_version = c.source
        for i, h in enumerate(headers):
            if normalize_header(h) == normalize_header(Field.ERRORS.value):
                fields.setdefault(Field.ERRORS, i)
        return ColumnMap([None] * len(headers), fields, row_version=row_version)
