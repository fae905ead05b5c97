"""Lookup tables of the names of values (yes/no, statuses, sales stages).

A name is looked up by its case-folded text. Names carry accents in French and
Swedish, so each table also holds a name's accent-free form (`Recu`, `Stangd`)
unless that form would belong to another value. Text that misses the table is
looked up again NFKC-normalized (full-width letters, decomposed accents), with
single spaces, and then without accents.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar

_V = TypeVar("_V")


def name_table(names: Iterable[tuple[str, _V]]) -> dict[str, _V]:
    """The table of (name, value) pairs; ValueError if one name has two values."""
    table: dict[str, _V] = {}
    for name, value in names:
        key = _folded(name)
        if table.setdefault(key, value) != value:
            raise ValueError(f"{name!r} names both {table[key]!r} and {value!r}")
    bare: dict[str, set[_V]] = {}
    for key, value in table.items():
        bare.setdefault(_without_accents(key), set()).add(value)
    for key, values in bare.items():
        if len(values) == 1 and key not in table:
            table[key] = values.pop()
    return table


def _folded(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split()).casefold()


def _without_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def look_up(table: Mapping[str, _V], text: str) -> _V | None:
    """The value `text` names in a `name_table`, or None."""
    value = table.get(text.casefold())
    if value is None:
        folded = _folded(text)
        value = table.get(folded)
        if value is None and not folded.isascii():
            value = table.get(_without_accents(folded))
    return value
