"""The header text to write for each column, in English or one of the 17 languages.

Only spellings that the registry (`headers.py`) reads back as the same column are
written, so every exported or template file can be uploaded again as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from cosell.domain.fields import MAX_GROUP_ITEMS, Field, Group
from cosell.domain.headers import LANGUAGES, ColumnKey, localized_variants, resolve_header
from cosell.errors import UsageError
from cosell.i18n import Msg


@dataclass(frozen=True, slots=True)
class HeaderNames:
    """The header text to write for each column in one language (None: English)."""

    locale: str | None
    fields: Mapping[Field, str]
    # group → (text before the number, text after it)
    groups: Mapping[Group, tuple[str, str]]

    def field(self, field: Field) -> str:
        return self.fields[field]

    def group(self, group: Group, number: int) -> str:
        before, after = self.groups[group]
        return f"{before}{number}{after}"

    def header(self, key: ColumnKey) -> str:
        if key.field is not None:
            return self.fields[key.field]
        assert key.group is not None and key.number is not None
        return self.group(key.group, key.number)


def _locale_of(lang: str | None) -> str | None:
    if lang is None:
        return None
    wanted = lang.strip().casefold().replace("_", "-")
    if wanted in ("", "en", "en-us"):
        return None
    if wanted in LANGUAGES:
        return wanted
    matches = [locale for locale in LANGUAGES if locale.split("-")[0] == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UsageError(
            Msg(
                'Language "%(lang)s" is ambiguous: use %(choices)s',
                lang=lang,
                choices=" or ".join(matches),
            )
        )
    raise UsageError(
        Msg(
            'Unknown language "%(lang)s": use en or one of %(choices)s',
            lang=lang,
            choices=", ".join(LANGUAGES),
        )
    )


def headers_for(lang: str | None = None) -> HeaderNames:
    """The headers to write in `lang`: a locale key (`nl-nl`, any case, `_` allowed),
    a bare language where unambiguous (`nl`, `fr`), or None/`en` for English.

    Uses the newest variant of each header that resolves back to the same column;
    falls back to an older variant, then to English. Raises `UsageError` for an
    unknown or ambiguous language.
    """
    return _headers_for_locale(_locale_of(lang))


@functools.cache
def _headers_for_locale(locale: str | None) -> HeaderNames:
    variants = localized_variants(locale) if locale else {}
    fields: dict[Field, str] = {}
    for field in Field:
        wanted = ColumnKey(field=field)
        fields[field] = next(
            (text for text in variants.get(field.value, ()) if resolve_header(text) == wanted),
            field.value,
        )
    groups: dict[Group, tuple[str, str]] = {}
    for group in Group:
        groups[group] = next(
            (
                pattern
                for pattern in map(_split_on_one, variants.get(group.header(1), ()))
                if pattern is not None and _pattern_round_trips(group, pattern)
            ),
            (f"{group.value} ", ""),
        )
    return HeaderNames(locale=locale, fields=fields, groups=groups)


def _split_on_one(text: str) -> tuple[str, str] | None:
    parts = text.split("1")
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _pattern_round_trips(group: Group, pattern: tuple[str, str]) -> bool:
    return all(
        resolve_header(f"{pattern[0]}{n}{pattern[1]}") == ColumnKey(group=group, number=n)
        for n in (1, 2, 10, MAX_GROUP_ITEMS)
    )
