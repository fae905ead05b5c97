"""The date order of a file (the round-trip rules): how to read `03/04/2027`, which
could be 3 April or 4 March, when the user did not say."""

from __future__ import annotations

from collections.abc import Iterable

from cosell.domain.cells import DateOrder, date_evidence
from cosell.domain.model import Cell
from cosell.i18n import Msg


def file_date_order(
    close_dates: Iterable[tuple[int, Cell]], given: DateOrder | None, *, european: bool
) -> tuple[DateOrder | None, dict[int, str]]:
    """How to read the file's dates that could be month or day first (`03/04/2027`),
    and the rows whose dates contradict the file's order (row number → message).

    The order is `given` (the user's choice); else what the file's unambiguous dates
    prove (`30/01/2027` proves day first); when they prove both, the rows of the
    smaller side (both sides on a tie) fail and nothing is assumed. With no proof, a
    file with a European signal (`;` separators, translated headers) assumes
    nothing, so its ambiguous dates fail unless they equal the stored date either
    way; any other file is read month first, as Partner Center writes it.
    None means: not known (ambiguous dates become `AmbiguousDate`).

    `close_dates` holds (row number, cell) of the file's close-date column.
    """
    if given is not None:
        return given, {}
    proof: dict[str, list[int]] = {"MDY": [], "DMY": []}
    for number, cell in close_dates:
        if evidence := date_evidence(cell):
            proof[evidence].append(number)
    mdy, dmy = proof["MDY"], proof["DMY"]
    if mdy and dmy:
        wrong: dict[int, str] = {}
        for order, rows, others in (("MDY", mdy, dmy), ("DMY", dmy, mdy)):
            if len(rows) <= len(others):
                message = (
                    Msg(
                        "this date is written month first but row %(row)s writes day first, "
                        "use one date order in the file (or set it with --date-order)",
                        row=others[0],
                    )
                    if order == "MDY"
                    else Msg(
                        "this date is written day first but row %(row)s writes month first, "
                        "use one date order in the file (or set it with --date-order)",
                        row=others[0],
                    )
                )
                wrong.update(dict.fromkeys(rows, message))
        return None, wrong
    if mdy:
        return "MDY", {}
    if dmy:
        return "DMY", {}
    if european:
        return None, {}
    return "MDY", {}
