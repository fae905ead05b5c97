"""The header registry: what a header cell of a bulk file means (rules §2.1, §2.4).

A header resolves to a `ColumnKey` (a scalar `Field`, or a numbered `Group` such
as `Solution 3`), to `"ignored"` (a column of a later Partner Center template
that this version knows and skips), or to `None` (unknown).

Accepted spellings are the canonical English headers, a few later English
variants, and every localized header of `data/localized_headers.json`
(17 locales, several variants each). Numbered groups work for any number in
every locale: the pattern is derived from each translation of `Solution 1` /
`Team member 1` (`Oplossing 7`, hu `7. megoldás`, zh `团队成员7`).

Matching compares normalized text (`normalize_header`). A localized alias that
normalizes to the same text as another column's alias is ambiguous and is not
accepted; English spellings always win over localized ones. Both rules are
computed from the data, not hard-coded.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final, Generic, Literal, TypeAlias, TypeVar

from cosell.domain.fields import MAX_GROUP_ITEMS, Field, Group
from cosell.errors import FileRejected
from cosell.i18n import Msg, joined

# fmt: off
__all__ = [
    "IGNORED", "LANGUAGES", "ROW_VERSION", "ColumnKey", "ColumnMap", "HeaderMeaning", "Ignored",
    "column_letter", "header_score", "localized_variants", "map_columns", "normalize_header",
    "resolve_header",
]
# fmt: on

Ignored: TypeAlias = Literal["ignored"]
IGNORED: Final[Ignored] = "ignored"

#: The locale keys of the reference translations (a test checks them against the data).
# fmt: off
LANGUAGES: Final[tuple[str, ...]] = (
    "cs-cz", "de-de", "es-es", "fr-fr", "hu-hu", "it-it", "ja-jp", "ko-kr", "nl-nl",
    "pl-pl", "pt-br", "pt-pt", "ru-ru", "sv-se", "tr-tr", "zh-cn", "zh-tw",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class ColumnKey:
    """What a column means: a scalar `field`, or a `group` with its 1-based `number`.

    `number` is kept as written (0 or 51 are possible); `map_columns` enforces the range.
    """

    field: Field | None = None
    group: Group | None = None
    number: int | None = None

    def __post_init__(self) -> None:
        is_field = self.field is not None and self.group is None and self.number is None
        is_group = self.field is None and self.group is not None and self.number is not None
        if not (is_field or is_group):
            raise ValueError("a ColumnKey is either a field or a group with a number")

    @property
    def label(self) -> str:
        """The canonical English header, e.g. `Deal Name` or `Solution 2`."""
        if self.field is not None:
            return self.field.value
        assert self.group is not None and self.number is not None
        return self.group.header(self.number)


HeaderMeaning: TypeAlias = ColumnKey | Ignored | None

# Later Partner Center spellings of current columns (rules §2.1).
_LATER_SPELLINGS: Final[tuple[tuple[str, Field], ...]] = (
    ("Declined/Lost/Error reason", Field.REASON),
    ("Decline/Lost/Error reason", Field.REASON),
    ("Customer Postal code", Field.POSTAL_CODE),
    ("Customer D-U-N-S id", Field.DUNS),
)

# Columns of later templates that this version recognizes and skips (rules §2.1).
# fmt: off
_LATER_COLUMNS: Final[tuple[str, ...]] = (
    "Marketplace Purchase Intent", "Customer Domain Name", "PartnerID", "Partner ID", "MPN ID",
    "PartnerID / MPN ID", "Partner ID / MPN ID", "CLA Number", "Device Category", "Silicon Type",
    "Azure Certified Device", "Attach Services", "Microsoft MSX ID", "Migrated PSC Deal ID",
    "Final Matched Customer Account", "Managed account", "Unmanaged account", "DUNS account",
    "Managed/Unmanaged/DUNS account", "Import Result",
)
# fmt: on
_LATER_GROUPS: Final[tuple[str, ...]] = ("Microsoft team member 1",)

#: Our own column after the groups of an export or a results file: the deal's version
#: when the file was made, so an import can tell that the deal changed since. Partner
#: Center files have no such column, and then no check is made.
ROW_VERSION: Final = "Row Version"

# Our own results-file column: re-uploading a results file is normal, so no warning.
_SILENT: Final[frozenset[str]] = frozenset({"import result"})

_GROUP_NOUNS: Final[Mapping[Group, str]] = {
    Group.SOLUTION: Msg("solutions"),
    Group.TEAM_MEMBER: Msg("team members"),
}

# ---------------------------------------------------------------------------
# Normalization

_CHAR_MAP: Final = str.maketrans(
    # Typographic apostrophes and dashes; Turkish dotless "ı" (see U+0307 below).
    "’‘ʼ‛`‐‑‒–—―−ı",
    "'''''-------i",
    # BOM and zero-width characters that editors leave in headers; U+0307 because
    # Turkish "İ" casefolds to "i" + U+0307, so "KIMLIĞI" and "Kimliği" meet as plain "i".
    "\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u0307",
)
_WHITESPACE: Final = re.compile(r"\s+")
_AROUND_SLASH: Final = re.compile(r" ?/ ?")
_NUMBER: Final = re.compile(r" ?([0-9]+) ?")
# No known header is longer than ~80 characters; longer cells are not even normalized.
_MAX_HEADER_LEN: Final = 300
_MAX_NUMBER_DIGITS: Final = 9


def normalize_header(text: str) -> str:
    """The form headers are compared in.

    NFKC and casefold; BOM and zero-width characters removed; every Unicode
    space (no-break, narrow no-break …) is a space, runs collapse, ends are
    stripped; no space around `/` or before `?`; a trailing `?` or `*` is
    dropped; typographic apostrophes become `'` and dashes `-`.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_CHAR_MAP)
    text = _WHITESPACE.sub(" ", text).strip()
    text = _AROUND_SLASH.sub("/", text).replace(" ?", "?")
    return text.rstrip("?* ")


def _template_of(normalized: str) -> tuple[str, int] | None:
    """Split `team member 3` into (`team member#`, 3); None without a number."""
    match = _NUMBER.search(normalized)
    if match is None:
        return None
    digits = match.group(1).lstrip("0") or "0"
    # A saturated number still fails the range check with the header in the message.
    number = int(digits) if len(digits) <= _MAX_NUMBER_DIGITS else 10**_MAX_NUMBER_DIGITS
    return normalized[: match.start()] + "#" + normalized[match.end() :], number


# ---------------------------------------------------------------------------
# The registry, built once from the reference data


@dataclass(frozen=True, slots=True)
class _Registry:
    exact: dict[str, ColumnKey | Ignored]
    templates: dict[str, Group | Ignored]
    # normalized alias (or template) → canonical labels of the columns it is given to
    ambiguous: dict[str, tuple[str, ...]]
    # locale → canonical JSON key → header variants, newest first
    variants: dict[str, dict[str, list[str]]]
    # normalized English spellings and English group templates (the rest is localized)
    english: frozenset[str] = frozenset()


_M = TypeVar("_M", ColumnKey | Ignored, Group | Ignored)


def _label(meaning: ColumnKey | Group | Ignored) -> str:
    if isinstance(meaning, ColumnKey):
        return meaning.label
    if isinstance(meaning, Group):
        return meaning.value
    return meaning


class _Aliases(Generic[_M]):
    """Normalized aliases of one kind (plain or numbered) in two tiers: English, localized."""

    def __init__(self) -> None:
        self.english: dict[str, _M] = {}
        self.localized: dict[str, _M] = {}
        self.labels: defaultdict[str, set[str]] = defaultdict(set)

    def add(self, key: str, meaning: _M, *, english: bool) -> None:
        label = _label(meaning)
        if english and key in self.english and _label(self.english[key]) != label:
            raise ValueError(f"English header {key!r} given to two columns")
        (self.english if english else self.localized)[key] = meaning
        self.labels[key].add(label)

    def settle(self) -> tuple[dict[str, _M], dict[str, tuple[str, ...]]]:
        """All accepted aliases, and the ambiguous ones with what they could mean.

        English wins over a localized alias; two localized meanings cancel out.
        """
        accepted = dict(self.english)
        ambiguous: dict[str, tuple[str, ...]] = {}
        for key, meaning in self.localized.items():
            if key in accepted:
                continue
            if len(self.labels[key]) > 1:
                ambiguous[key] = tuple(sorted(self.labels[key]))
            else:
                accepted[key] = meaning
        return accepted, ambiguous


def _template_key(text: str) -> str:
    split = _template_of(normalize_header(text))
    if split is None or split[1] != 1:
        raise ValueError(f"numbered header {text!r} must contain the number 1")
    return split[0]


def _load_reference() -> dict[str, dict[str, list[dict[str, str]]]]:
    data = resources.files("cosell").joinpath("data/localized_headers.json").read_text("utf-8")
    loaded: dict[str, dict[str, list[dict[str, str]]]] = json.loads(data)
    return loaded


def _meaning_of(reference_key: str) -> ColumnKey | Group | Ignored:
    """What a top-level key of the reference data names (unknown keys: a later column)."""
    for field in Field:
        if field.value == reference_key:
            return ColumnKey(field=field)
    for group in Group:
        if group.header(1) == reference_key:
            return group
    return IGNORED


def _newest_first(entries: Sequence[Mapping[str, str]]) -> list[str]:
    """Header texts by `last_seen`, newest first; of two equally new, the later entry first."""
    ranked = sorted(enumerate(entries), key=lambda item: (item[1]["last_seen"], item[0]))
    return [entry["header"] for _, entry in reversed(ranked)]


@functools.cache
def _registry() -> _Registry:
    plain: _Aliases[ColumnKey | Ignored] = _Aliases()
    numbered: _Aliases[Group | Ignored] = _Aliases()
    for field in Field:
        plain.add(normalize_header(field.value), ColumnKey(field=field), english=True)
    for text, field in _LATER_SPELLINGS:
        plain.add(normalize_header(text), ColumnKey(field=field), english=True)
    for text in _LATER_COLUMNS:
        plain.add(normalize_header(text), IGNORED, english=True)
    for group in Group:
        numbered.add(_template_key(group.header(1)), group, english=True)
    for text in _LATER_GROUPS:
        numbered.add(_template_key(text), IGNORED, english=True)

    variants: defaultdict[str, dict[str, list[str]]] = defaultdict(dict)
    for reference_key, by_locale in _load_reference().items():
        meaning = _meaning_of(reference_key)
        texts = [reference_key, *(e["header"] for es in by_locale.values() for e in es)]
        for index, text in enumerate(texts):
            english = index == 0
            if isinstance(meaning, ColumnKey):
                plain.add(normalize_header(text), meaning, english=english)
            elif isinstance(meaning, Group) or reference_key.endswith(" 1"):
                numbered.add(_template_key(text), meaning, english=english)
            else:
                plain.add(normalize_header(text), meaning, english=english)
        for locale, entries in by_locale.items():
            variants[locale][reference_key] = _newest_first(entries)

    exact, ambiguous = plain.settle()
    templates, ambiguous_numbered = numbered.settle()
    # One lookup for warnings: template keys hold "#" where the number goes.
    ambiguous.update(ambiguous_numbered)
    return _Registry(
        exact=exact,
        templates=templates,
        ambiguous=ambiguous,
        variants=dict(variants),
        english=frozenset(plain.english) | frozenset(numbered.english),
    )


# ---------------------------------------------------------------------------
# Reading


@functools.lru_cache(maxsize=4096)
def _resolve(text: str) -> HeaderMeaning:
    if len(text) > _MAX_HEADER_LEN:
        return None
    registry = _registry()
    normalized = normalize_header(text)
    meaning = registry.exact.get(normalized)
    if meaning is not None:
        return meaning
    split = _template_of(normalized)
    if split is None:
        return None
    group = registry.templates.get(split[0])
    if isinstance(group, Group):
        return ColumnKey(group=group, number=split[1])
    return IGNORED if group == IGNORED else None


def resolve_header(text: str) -> HeaderMeaning:
    """What the header cell `text` means: a `ColumnKey`, `"ignored"`, or None if unknown.

    Ambiguous aliases are unknown. Never raises; fast after the first call.
    """
    return _resolve(text)


def header_score(headers: Sequence[str]) -> int:
    """How many cells resolve to a field or a group: the evidence for a delimiter."""
    return sum(1 for text in headers if isinstance(_resolve(text), ColumnKey))


@dataclass(slots=True)
class ColumnMap:
    """Which file column holds what, and the warnings about the rest.

    `columns` has one entry per file column (None: ignored, unknown or empty
    header); `fields`, `solutions` and `team_members` map to 0-based column indexes.
    """

    columns: list[ColumnKey | None]
    fields: dict[Field, int] = dataclasses.field(default_factory=dict)
    solutions: dict[int, int] = dataclasses.field(default_factory=dict)
    team_members: dict[int, int] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: the `Row Version` column, if the file has one
    row_version: int | None = None
    #: a recognized header is a translation, not an English spelling (a locale signal)
    localized: bool = False
    #: the reference locale (`nl-nl`) whose spellings most of the translated headers
    #: are; None for a file with English headers only
    locale: str | None = None


def column_letter(index: int) -> str:
    """The spreadsheet letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    if index < 0:
        raise ValueError("column index must be >= 0")
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_MAX_NAMED_UNKNOWN: Final = 20


def _shown(text: str) -> str:
    shown = _WHITESPACE.sub(" ", text[:200].replace("\ufeff", "")).strip()
    return shown if len(shown) <= 60 else shown[:59] + "…"


def _group_problem(key: ColumnKey, shown: str, max_items: int) -> str | None:
    assert key.group is not None and key.number is not None
    noun = _GROUP_NOUNS[key.group]
    if key.number < 1:
        return Msg('Column "%(column)s": %(items)s are numbered from 1', column=shown, items=noun)
    if key.number > max_items:
        return Msg(
            'Column "%(column)s": at most %(limit)s %(items)s per deal',
            column=shown,
            limit=f"{max_items:,}",
            items=noun,
        )
    return None


def map_columns(headers: Sequence[str], max_items: int = MAX_GROUP_ITEMS) -> ColumnMap:
    """Map a header row to columns, or raise `FileRejected` saying what was expected.

    Rejects a row where no cell is a known field or group, where two columns
    mean the same field or group number, or where a group number is 0 or above
    `max_items`. Ignored, ambiguous and unknown columns only produce warnings;
    empty header cells are skipped silently (the caller decides about data below).
    """
    result = ColumnMap(columns=[])
    registry = _registry()
    first_seen: dict[ColumnKey, int] = {}
    problems: list[str] = []
    unknown: list[str] = []
    votes: Counter[str] = Counter()
    for index, text in enumerate(headers):
        meaning = _resolve(text)
        result.columns.append(None)
        if isinstance(meaning, ColumnKey):
            shown = _shown(text)
            problem = _group_problem(meaning, shown, max_items) if meaning.group else None
            if problem is None and meaning in first_seen:
                other = first_seen[meaning]
                problem = Msg(
                    'Columns "%(first)s" (%(first_letter)s) and "%(second)s" '
                    "(%(second_letter)s) both mean %(column)s; keep one",
                    first=_shown(headers[other]),
                    first_letter=column_letter(other),
                    second=shown,
                    second_letter=column_letter(index),
                    column=meaning.label,
                )
            if problem is not None:
                problems.append(problem)
                continue
            first_seen[meaning] = index
            result.columns[index] = meaning
            if not _is_english(text):
                result.localized = True
                votes.update(_locales_of(text))
            if meaning.field is not None:
                result.fields[meaning.field] = index
            elif meaning.number is not None:
                groups = (
                    result.solutions if meaning.group is Group.SOLUTION else result.team_members
                )
                groups[meaning.number] = index
            continue
        normalized = normalize_header(text[:_MAX_HEADER_LEN])
        if normalized == _ROW_VERSION_KEY:
            if result.row_version is not None:
                other = result.row_version
                problems.append(
                    Msg(
                        "Columns %(first)s and %(second)s are both %(column)s; keep one",
                        first=column_letter(other),
                        second=column_letter(index),
                        column=ROW_VERSION,
                    )
                )
            result.row_version = index
            continue
        if meaning == IGNORED:
            if normalized not in _SILENT:
                result.warnings.append(
                    Msg(
                        'Column "%(column)s" is not used by this version and was ignored',
                        column=_shown(text),
                    )
                )
        elif choices := _ambiguity(registry, normalized):
            result.warnings.append(
                Msg(
                    'Column "%(column)s" could mean %(choices)s and was ignored; '
                    "use the English header",
                    column=_shown(text),
                    choices=joined(" or ", choices),
                )
            )
        elif normalized:
            unknown.append(_shown(text))
    result.warnings.extend(_unknown_warnings(unknown))
    if problems:
        raise FileRejected(joined("; ", problems))
    if not first_seen:
        raise FileRejected(
            Msg(
                "No known column header was found: expected a header row with columns such as "
                "Deal Name, Customer Name, Customer Country, Solution 1 and Team member 1 "
                "(in English or one of the translated spellings)"
            )
        )
    if votes:
        result.locale = max(sorted(votes), key=votes.__getitem__)
    return result


@functools.cache
def _alias_locales() -> dict[str, frozenset[str]]:
    """Normalized translated header (or numbered template) → the locales spelling it so."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for locale, by_key in _registry().variants.items():
        for reference_key, texts in by_key.items():
            numbered = isinstance(_meaning_of(reference_key), Group)
            for text in texts:
                found[_template_key(text) if numbered else normalize_header(text)].add(locale)
    return {key: frozenset(locales) for key, locales in found.items()}


def _locales_of(text: str) -> frozenset[str]:
    aliases = _alias_locales()
    normalized = normalize_header(text)
    if normalized in aliases:
        return aliases[normalized]
    split = _template_of(normalized)
    return aliases.get(split[0], frozenset()) if split else frozenset()


_ROW_VERSION_KEY: Final = normalize_header(ROW_VERSION)


@functools.lru_cache(maxsize=1024)
def _is_english(text: str) -> bool:
    normalized = normalize_header(text)
    registry = _registry()
    if normalized in registry.english:
        return True
    split = _template_of(normalized)
    return split is not None and split[0] in registry.english


def _ambiguity(registry: _Registry, normalized: str) -> tuple[str, ...]:
    split = _template_of(normalized)
    return registry.ambiguous.get(normalized) or registry.ambiguous.get(
        split[0] if split else "", ()
    )


def _unknown_warnings(unknown: list[str]) -> Iterable[str]:
    for shown in unknown[:_MAX_NAMED_UNKNOWN]:
        yield Msg('Unknown column "%(column)s" was ignored', column=shown)
    if len(unknown) > _MAX_NAMED_UNKNOWN:
        yield Msg(
            "%(count)s more unknown columns were ignored",
            count=f"{len(unknown) - _MAX_NAMED_UNKNOWN:,}",
        )


def localized_variants(locale: str) -> Mapping[str, list[str]]:
    """The reference spellings of each column (keyed by its English reference header)
    in one locale, newest first."""
    return _registry().variants.get(locale, {})
