"""A column named in a message: English text, shown in another language as that
language's files spell the column (`Deal Name` → nl `Dealnaam`), so that a Dutch
results file says "Verplicht veld Dealnaam ontbreekt", as Partner Center does.

A column the file itself names is quoted as the file spells it (a plain str); these
are for the columns a message names by their English header.
"""

from __future__ import annotations

import functools

from cosell import i18n
from cosell.domain.fields import Field, Group


class ColumnName(i18n.Msg):
    """The English header of a column (`Deal Name`, `Solution 2`); in another locale
    the header its files use for the same column."""

    __slots__ = ()

    def __new__(cls, header: str, /, **values: object) -> ColumnName:
        return super().__new__(cls, header)  # type: ignore[return-value]

    def in_locale(self, locale: str) -> str:
        return _in_locale(str(self), locale)


i18n.register_kind("column", ColumnName)


@functools.lru_cache(maxsize=1024)
def _in_locale(header: str, locale: str) -> str:
    from cosell.domain.header_names import headers_for
    from cosell.domain.headers import ColumnKey, resolve_header

    if locale == i18n.DEFAULT_LOCALE or locale not in i18n.LOCALES:
        return header
    key = resolve_header(header)
    if not isinstance(key, ColumnKey):
        return header
    return headers_for(locale).header(key)


@functools.cache
def column_name(f: Field) -> ColumnName:
    """The column of field `f` as a message names it."""
    return ColumnName(f.value)


@functools.lru_cache(maxsize=256)
def group_column(group: Group, number: int) -> ColumnName:
    """`Solution 2`, `Team member 1` as a message names it."""
    return ColumnName(group.header(number))
