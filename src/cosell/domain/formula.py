"""Formula neutralization of text cells (rules §2.2, §2.4; OWASP "CSV injection").

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and
tab or CR can smuggle one past a naive check. Export therefore puts a `'` in
front of such text and import removes it again.

To make the two exact inverses for *every* string, text that already starts
with one or more `'` followed by a trigger character gets one more `'`:
`neutralize("'=x") == "''=x"` and `unneutralize("''=x") == "'=x"`. Text with a
`'` before anything else (`'tis`) is left alone both ways.

A leading `'` before a trigger is the guard in every format, CSV or workbook:
a CSV export opened and saved as XLSX keeps it as part of the text, and
whoever types `'=x` in a spreadsheet gets `=x` in the cell anyway. So import
removes it from every cell, and a workbook writer, whose string cells cannot
run, only adds the `'` that keeps such text itself (`guard_quotes`).
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_TRIGGERS", "guard_quotes", "neutralize", "unneutralize"]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = "=+-@\t\r"

_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralize(text: str) -> str:
    """Return `text` safe to write into a spreadsheet cell; `unneutralize` undoes it."""
    if text and (text[0] in FORMULA_TRIGGERS or (text[0] == "'" and _NEEDS_QUOTE.match(text))):
        return "'" + text
    return text


#: Leading characters that import would trim away unless a guard `'` keeps them.
_KEPT_BY_GUARD = "\t\r"


def guard_quotes(text: str) -> str:
    """For a cell that cannot run (a typed string cell of a workbook): text that itself
    starts with `'` before a trigger gets one more `'`, since a leading `'` before a
    trigger is read as the guard in every format, and so does text starting with a
    tab or CR, which import would otherwise trim; `unneutralize` undoes it."""
    if text[:1] in _KEPT_BY_GUARD or (text[:1] == "'" and _QUOTED.match(text)):
        return "'" + text
    return text


def unneutralize(text: str) -> str:
    """Remove the `'` that `neutralize` (or a careful user) put before a formula trigger."""
    if text[:1] == "'" and _QUOTED.match(text):
        return text[1:]
    return text
