"""Export → LibreOffice Calc opens and saves the file → import: nothing changes.

Users open our export in their own spreadsheet and locale, save it and upload it
again. Each scenario exports a varied set of referrals (`deals.py`), lets headless
Calc (Debian's LibreOffice 7.4) open and save the file, and imports the result for
real. Every row must come back Unchanged, or fail with a documented error; no value
may change silently.

What Calc writes, cell by cell (checked in every run: `scenarios.py`; printed per
deal with `pytest -s`):

* **CSV → CSV, no filter options** (`soffice --convert-to csv`, en-US). Calc reads
  the file in the system's 8-bit character set, not UTF-8: the BOM becomes part of
  the first header ("ï»¿Errors") and every byte passes through, so the saved file is
  still UTF-8 with its BOM (an XLSX saved this way holds mojibake such as "SociÃ©tÃ©",
  hence the filter options naming UTF-8 in the other scenarios). Special numbers
  are not detected: dates stay `01/30/2027`. Numbers are: `12563.50` → `12563.5`,
  `0.05`, `1234567.89`, `1000` (no thousands separators); leading zeros go
  (D-U-N-S `012345678` → `12345678`, `004567891` → `4567891`, postal code `02134` →
  `2134`, phone `0612345678` → `612345678`, CRM ID `004217` → `4217`), and an
  18-digit CRM ID `123456789012345678` becomes `1.23456789012346E+017`: 15
  significant digits, the rest is lost. The export's `'` guard is kept as text and
  written back (`'=CRM-7`, `'+Plus deal`, `'-minus first`, `'@mention …`,
  `'+1 425 555 0100`). `Yes`/`No` stay text (only TRUE/FALSE become booleans), line
  breaks, commas and `""` inside quoted notes survive; lines end in LF, not CRLF.
* **CSV → CSV, en-US, UTF-8** (filter options `44,34,76,1,,1033`; special numbers
  detected, the filter's default): as above, but dates become date cells and are
  written in en-US short form: `01/30/2027` → `01/30/27`, `03/04/2027` → `03/04/27`
  (still month first), `12/11/2026` → `12/11/26`. No BOM is written.
* **CSV → XLSX** (en-US, UTF-8): dates are date cells (`MM/DD/YY`); D-U-N-S, postal
  code, phone and the digit-only CRM IDs are number cells without their leading
  zeros (`12345678`, `2134`); the 18-digit CRM ID is the number 1.23456789012346E+17,
  which the reader renders as `123456789012346000` (digits, no exponent);
  `12563.5` and the help code `3` are numbers. The `'` guard stays part of the text
  (`'=CRM-7` is a string cell, not a formula): XLSX import must remove it too.
* **XLSX → CSV** (en-US, UTF-8): our text-formatted columns keep every digit and
  leading zero (`012345678`, `02134`, `123456789012345678`); date cells are written
  `01/30/2027`, `12563.5` as `12563.5`; formula-like text is written raw (`=CRM-7`,
  `+Plus deal`, `=SUM(A1:A2)`): Calc never neutralizes.
* **XLSX → XLSX**: text cells, date cells and numbers keep their types.
* **`;` CSV → `;` CSV in de-DE** (profile locale de-DE, filter options
  `59,34,76,1,,1031`): decimal commas are read and written (`12563,50` →
  `12563,5`, `0,05`, `1234567,89`); `01/30/2027` and `03/04/2027` are not German
  dates (D.M.Y), so they stay the text they were (never re-read day-first; a dotted
  `30.01.2027` would become the date `30.01.27`). Zeros go as above; the long CRM
  ID becomes `1,23456789012346E+017`. The profile's locale, not the filter's
  language token, decides the saved decimal separator: with an en-US profile the
  same conversion writes `12563.5` into the `;` file.

So the documented import behaviour these tests hold the engine to: two-digit years
(`01/30/27`) are 20YY; a leading `'` before `= + - @` is removed in CSV and XLSX;
D-U-N-S, postal code, phone, CRM ID and Marketing Campaign ID that lost leading
zeros compare as unchanged
(the D-U-N-S padded to 9 digits); an identifier that a spreadsheet turned into a
number with lost digits fails, naming the column, with "a spreadsheet turned this
into a number, format the column as text and paste the original" — its original
cannot be recovered from the file, and storing it would be a silent change.

A Marketing Campaign ID of digits with a leading zero (`0012`) comes back as `12`
from every CSV scenario: it compares as unchanged, like the other identifiers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.roundtrip.deals import DEALS, Cell, create_deals, export, read_rows
from tests.roundtrip.scenarios import SCENARIOS, Scenario
from tests.support import Imported, World, copy_world, run_import

pytestmark = pytest.mark.slow

#: The documented error for an identifier a spreadsheet turned into a number.
NUMBER_MANGLED = (
    "a spreadsheet turned this into a number, format the column as text and paste the original"
)

#: Columns printed for inspection (`pytest -s`), one line per deal.
INSPECTED = (
    "Deal Name",
    "Customer Postal Code",
    "Customer D-U-N-S ID",
    "Customer Contact Phone number",
    "Sales Stage",
    "Estimated Deal Value",
    "Estimated Close Date",
    "CRM ID",
    "Notes",
    "Microsoft help required?",
    "What specific help from Microsoft?",
    "Notes to Microsoft",
    "Solution 1",
    "Team member 1",
)


@dataclass(frozen=True)
class Stock:
    """The world every scenario starts from, built once per module (and xdist worker)."""

    db_path: Path
    #: deal key → Referral ID
    ids: dict[str, str]
    #: the exports: "csv", "csv;" (semicolons, decimal comma) and "xlsx"
    files: dict[str, bytes]
    #: the XLSX export as rows (literal values): what must still be stored after a re-import
    before: list[dict[str, Cell]]


@pytest.fixture(scope="module")
def stock(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Stock:
    path = tmp_path_factory.mktemp("roundtrip-world") / "cosell.db"
    world = copy_world(template_db, path)
    try:
        ids = create_deals(world)
        files = {
            "csv": export(world, "csv"),
            "csv;": export(world, "csv", ";"),
            "xlsx": export(world, "xlsx"),
        }
    finally:
        world.db.dispose()  # the file is complete: tests copy it
    return Stock(path, ids, files, read_rows(files["xlsx"], None))


@pytest.fixture
def world(stock: Stock, tmp_path: Path) -> Iterator[World]:
    """A copy of the stock world for one test: a real import may change it."""
    w = copy_world(stock.db_path, tmp_path / "cosell.db")
    yield w
    w.db.dispose()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_file_saved_by_calc_reimports_unchanged(
    scenario: Scenario, stock: Stock, world: World, tmp_path: Path
) -> None:
    """Calc opens the export and saves it (in a throw-away profile under `tmp_path`); then

    1. the saved file holds what the module docstring says Calc writes for each kind of
       cell (`Scenario.written`), so the scenario is known to exercise those changes;
    2. a real import of it leaves every row Unchanged, except, where Calc turned the
       18-digit CRM ID into a number (1.23456789012346E+17: the last digits are gone
       and nobody can tell the original from the file), that row, which fails with the
       documented error naming CRM ID. Nothing is created or updated: a new export
       equals the first one.

    One test per scenario, so each file is converted once (pytest-xdist may run two tests
    of a module on different workers). On failure the message lists what Calc wrote that
    differs from the docstring, and every row of the import: its outcome, the errors of a
    failed row, and the stored values that changed (read from XLSX exports, so they are
    the values themselves, without the CSV formula guard).
    """
    source = tmp_path / "in" / f"referrals.{scenario.source_extension}"
    source.parent.mkdir()
    source.write_bytes(stock.files[scenario.source])
    data = scenario.conversion.run(source, tmp_path / "calc")
    problems = _unlike_the_docstring(scenario, data, stock.ids)

    result = run_import(world, world.admin, data, name=f"saved-by-calc.{scenario.saved_extension}")
    assert result.status == "completed", result.summary["errors"]
    after = read_rows(export(world, "xlsx"), None)
    outcomes, report = _outcomes(scenario, result, stock, after)
    expected: dict[str, tuple[str, list[str]]] = {key: ("Unchanged", []) for key in DEALS}
    wanted = "every row Unchanged"
    if scenario.numbers_long_ids:
        expected["long_id"] = ("Failed", [f"CRM ID: {NUMBER_MANGLED}"])
        wanted += f' except long_id: Failed, "CRM ID: … {NUMBER_MANGLED}"'
    if outcomes != expected:
        problems.append(f"re-import: expected {wanted}; got:\n{report}")
    elif after != stock.before:
        problems.append(f"re-import: the stored referrals changed:\n{report}")
    if problems:
        pytest.fail(f"{scenario.id}:\n" + "\n".join(problems), pytrace=False)
    assert result.count("created") == result.count("updated") == 0


def _unlike_the_docstring(scenario: Scenario, data: bytes, ids: Mapping[str, str]) -> list[str]:
    """How the file Calc saved differs from `scenario`; its cells of interest are printed
    for inspection (`pytest -s`)."""
    key_of = {rid: key for key, rid in ids.items()}
    rows = {
        key_of.get(str(r["Referral ID"]), str(r["Referral ID"])): r
        for r in read_rows(data, scenario.delimiter)
    }
    print(f"\n{scenario.id}: first bytes {data[:12]!r}")
    for deal, cells in rows.items():
        print(f"  {deal}: " + ", ".join(f"{c}={cells.get(c)!r}" for c in INSPECTED))
    problems: list[str] = []
    if not data.startswith(scenario.starts_with):
        problems.append(f"the file starts {data[:12]!r}, not {scenario.starts_with!r}")
    if set(rows) != set(DEALS):
        problems.append(f"the rows are {sorted(rows)}, not one per deal")
    for (deal, column), value in scenario.written.items():
        got = rows.get(deal, {}).get(column)
        if got != value:
            problems.append(f"{deal} {column}: Calc wrote {got!r}, the docstring says {value!r}")
    return problems


def _outcomes(
    scenario: Scenario, result: Imported, stock: Stock, after: list[dict[str, Cell]]
) -> tuple[dict[str, tuple[str, list[str]]], str]:
    """Each deal's outcome and errors (the number-mangling error canonical), and a report
    of every row: outcome, errors as the import gave them, stored values that changed."""
    assert result.results is not None
    stored_before = {str(r["Referral ID"]): r for r in stock.before}
    stored_after = {str(r["Referral ID"]): r for r in after}
    key_of = {rid: key for key, rid in stock.ids.items()}
    failures = result.failures
    outcomes: dict[str, tuple[str, list[str]]] = {}
    lines: list[str] = []
    # Row numbers as the import counts them: the header is row 1, Calc writes no blank rows.
    for number, row in enumerate(read_rows(result.results, scenario.delimiter), start=2):
        rid = str(row.get("Referral ID", ""))
        key = key_of.get(rid, f"row {number} ({rid or 'no Referral ID'})")
        outcome = str(row["Import Result"])
        errors = failures.get(number, [])
        outcomes[key] = (outcome, [_canonical(e) for e in errors])
        changed = [
            f"{column}: {old!r} -> {stored_after.get(rid, {}).get(column)!r}"
            for column, old in stored_before.get(rid, {}).items()
            if stored_after.get(rid, {}).get(column) != old
        ]
        lines.append(f"row {number} ({key}): {outcome}")
        lines += [f"    {e}" for e in errors] + [f"    stored {c}" for c in changed]
    return outcomes, "\n".join(lines)


def _canonical(error: str) -> str:
    """The documented number-mangling error is compared by column and message; the cell
    it quotes is whatever the reader made of the number."""
    column, _, message = error.partition(": ")
    return f"{column}: {NUMBER_MANGLED}" if NUMBER_MANGLED in message else error
