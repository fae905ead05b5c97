"""Formula neutralization for CSV cells (OWASP "CSV injection").

The rule lives in `cosell.domain.formula`, next to the cell parsers that undo it;
the writers use it from here.
"""

from __future__ import annotations

from cosell.domain.formula import FORMULA_TRIGGERS, neutralize, unneutralize

#: The characters that make a spreadsheet treat a CSV cell as a formula.
TRIGGERS = frozenset(FORMULA_TRIGGERS)

__all__ = ["TRIGGERS", "neutralize", "unneutralize"]
