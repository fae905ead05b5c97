"""Formula neutralization for CSV cells (OWASP "CSV injection").

A spreadsheet opening a CSV file runs a cell that starts with `=`, `+`, `-` or
`@` as a formula (and TAB or CR can hide such a start), so export prefixes those
cells with `'`, which Excel shows as plain text. Import removes the prefix again
so that an exported file re-imports unchanged (SPEC §2.2, §2.4).

A text that already starts with `'` followed by a trigger (`'=x`, `''-x`) also
gets one more `'`: otherwise it would be indistinguishable from a neutralized
cell and lose its apostrophe on re-import. With that rule
`unneutralize(neutralize(t)) == t` for every text `t`.

XLSX cells are typed, so a string cell is never run as a formula: only CSV
cells are neutralized, and only cells read from CSV should be unneutralized.
"""

from __future__ import annotations

#: The characters that make a spreadsheet treat a CSV cell as a formula.
TRIGGERS = frozenset("=+-@\t\r")


def neutralize(text: str) -> str:
    """Return `text` with a leading `'` if a spreadsheet could run it as a formula.

    That is when it starts with one of `TRIGGERS`, possibly after apostrophes.
    """
    if text and (text[0] in TRIGGERS or (text[0] == "'" and text.lstrip("'")[:1] in TRIGGERS)):
        return "'" + text
    return text


def unneutralize(text: str) -> str:
    """Undo `neutralize`: remove one leading `'` that is followed by a trigger.

    Exactly one apostrophe goes, and only when what follows it (after any more
    apostrophes) is one of `TRIGGERS`; any other text comes back unchanged.
    """
    if text[:1] == "'" and text.lstrip("'")[:1] in TRIGGERS:
        return text[1:]
    return text
