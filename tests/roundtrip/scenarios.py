"""The round-trip scenarios: which export Calc opens, how, and what it writes back.

`Scenario.written` is the checked form of the module docstring of
`test_libreoffice.py`: for the cells that change in at least one scenario, the value
in the file Calc saved (text from a CSV; text, a number or a date from a workbook).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.roundtrip.deals import ALPHA_NOTES, LONG_CRM_ID, Cell
from tests.roundtrip.libreoffice import Conversion, csv_export_target, csv_import_filter

#: Language identifiers (LCID) of the CSV filter options.
EN_US, DE_DE = 1033, 1031

Written = Mapping[tuple[str, str], Cell]

# What Calc writes for the cells that change in at least one scenario (deal, column).
_FORMULA_GUARDS: Written = {
    ("zurich", "CRM ID"): "'=CRM-7",
    ("plus", "Deal Name"): "'+Plus deal",
    ("plus", "Notes"): "'-minus first",
    ("alpha", "Customer Contact Phone number"): "'+1 425 555 0100",
    ("alpha", "Notes to Microsoft"): "'@mention the architect",
    ("won", "Notes"): "'=SUM(A1:A2)",
}
# A workbook holds the text itself (export writes no guard there), and so does a CSV
# Calc writes from a workbook: Calc never neutralizes.
_NO_FORMULA_GUARDS: Written = {
    ("zurich", "CRM ID"): "=CRM-7",
    ("plus", "Deal Name"): "+Plus deal",
    ("plus", "Notes"): "-minus first",
    ("alpha", "Customer Contact Phone number"): "+1 425 555 0100",
    ("alpha", "Notes to Microsoft"): "@mention the architect",
    ("won", "Notes"): "=SUM(A1:A2)",
}
_UNTOUCHED_TEXT: Written = {
    ("alpha", "Notes"): ALPHA_NOTES,
    ("alpha", "Microsoft help required?"): "Yes",
    ("plus", "Share with Microsoft sales team"): "No",
    ("zurich", "Deal Name"): "Société Générale – Zürich",
    ("alpha", "Solution 1"): "SOL-1234-PQRS, USD, 10.50, 100",
}
_ZEROS_DROPPED: Written = {
    ("alpha", "Customer D-U-N-S ID"): "12345678",
    ("won", "Customer D-U-N-S ID"): "4567891",
    ("alpha", "Customer Postal Code"): "2134",
    ("plus", "Customer Contact Phone number"): "612345678",
    ("won", "CRM ID"): "4217",
}
_ZEROS_KEPT: Written = {
    ("alpha", "Customer D-U-N-S ID"): "012345678",
    ("won", "Customer D-U-N-S ID"): "004567891",
    ("alpha", "Customer Postal Code"): "02134",
    ("plus", "Customer Contact Phone number"): "0612345678",
    ("won", "CRM ID"): "004217",
    ("long_id", "CRM ID"): LONG_CRM_ID,
}
_US_DECIMALS: Written = {
    ("alpha", "Estimated Deal Value"): "12563.5",
    ("zurich", "Estimated Deal Value"): "1234567.89",
    ("won", "Estimated Deal Value"): "0.05",
}


@dataclass(frozen=True)
class Scenario:
    """An exported file opened and saved again by Calc, and what Calc wrote."""

    id: str
    #: the export it starts from: "csv", "csv;" (semicolons, decimal comma) or "xlsx"
    source: str
    conversion: Conversion
    #: the delimiter of the saved CSV, or None for a workbook
    delimiter: str | None
    #: the first bytes of the saved file
    starts_with: bytes
    #: cells (deal, column) as Calc wrote them: text from a CSV, typed values from a workbook
    written: Written = field(default_factory=dict)
    #: Calc stored the 18-digit CRM ID as a number: that row must fail, naming CRM ID
    numbers_long_ids: bool = False

    @property
    def source_extension(self) -> str:
        return "xlsx" if self.source == "xlsx" else "csv"

    @property
    def saved_extension(self) -> str:
        return self.conversion.target.split(":", 1)[0]


SCENARIOS = [
    Scenario(
        "csv-to-csv-cli-defaults",
        "csv",
        # No filter options at all: what `soffice --convert-to csv file.csv` does.
        Conversion("csv", None, "en-US"),
        ",",
        b"\xef\xbb\xbfErrors,",
        {
            **_FORMULA_GUARDS,
            **_UNTOUCHED_TEXT,
            **_ZEROS_DROPPED,
            **_US_DECIMALS,
            ("alpha", "Estimated Close Date"): "01/30/2027",
            ("plus", "Estimated Close Date"): "03/04/2027",
            ("long_id", "CRM ID"): "1.23456789012346E+017",
        },
        numbers_long_ids=True,
    ),
    Scenario(
        "csv-to-csv-en-US",
        "csv",
        # UTF-8 and en-US named; special numbers (dates) detected, as the filter defaults.
        Conversion(csv_export_target(",", EN_US), csv_import_filter(",", EN_US), "en-US"),
        ",",
        b"Errors,",
        {
            **_FORMULA_GUARDS,
            **_UNTOUCHED_TEXT,
            **_ZEROS_DROPPED,
            **_US_DECIMALS,
            ("alpha", "Estimated Close Date"): "01/30/27",
            ("plus", "Estimated Close Date"): "03/04/27",
            ("won", "Estimated Close Date"): "12/11/26",
            ("long_id", "CRM ID"): "1.23456789012346E+017",
        },
        numbers_long_ids=True,
    ),
    Scenario(
        "csv-to-xlsx-en-US",
        "csv",
        Conversion("xlsx", csv_import_filter(",", EN_US), "en-US"),
        None,
        b"PK\x03\x04",
        {
            **_FORMULA_GUARDS,
            **_UNTOUCHED_TEXT,
            ("alpha", "Customer D-U-N-S ID"): 12345678,
            ("won", "Customer D-U-N-S ID"): 4567891,
            ("alpha", "Customer Postal Code"): 2134,
            ("plus", "Customer Contact Phone number"): 612345678,
            ("won", "CRM ID"): 4217,
            ("long_id", "CRM ID"): 1.23456789012346e17,
            ("alpha", "Estimated Deal Value"): 12563.5,
            ("won", "Estimated Deal Value"): 0.05,
            ("alpha", "Estimated Close Date"): dt.date(2027, 1, 30),
            ("plus", "Estimated Close Date"): dt.date(2027, 3, 4),
            ("alpha", "What specific help from Microsoft?"): 3,
        },
        numbers_long_ids=True,
    ),
    Scenario(
        "xlsx-to-csv-en-US",
        "xlsx",
        Conversion(csv_export_target(",", EN_US), None, "en-US"),
        ",",
        b"Errors,",
        {
            **_UNTOUCHED_TEXT,
            **_ZEROS_KEPT,
            **_US_DECIMALS,
            **_NO_FORMULA_GUARDS,
            ("alpha", "Estimated Close Date"): "01/30/2027",
            ("plus", "Estimated Close Date"): "03/04/2027",
        },
    ),
    Scenario(
        "xlsx-to-xlsx-en-US",
        "xlsx",
        Conversion("xlsx", None, "en-US"),
        None,
        b"PK\x03\x04",
        {
            **_UNTOUCHED_TEXT,
            **_ZEROS_KEPT,
            **_NO_FORMULA_GUARDS,
            ("alpha", "Estimated Deal Value"): 12563.5,
            ("alpha", "Estimated Close Date"): dt.date(2027, 1, 30),
        },
    ),
    Scenario(
        "semicolon-csv-to-csv-de-DE",
        "csv;",
        Conversion(csv_export_target(";", DE_DE), csv_import_filter(";", DE_DE), "de-DE"),
        ";",
        b"Errors;",
        {
            **_FORMULA_GUARDS,
            **_UNTOUCHED_TEXT,
            **_ZEROS_DROPPED,
            ("alpha", "Estimated Deal Value"): "12563,5",
            ("zurich", "Estimated Deal Value"): "1234567,89",
            ("won", "Estimated Deal Value"): "0,05",
            # Not a German date (D.M.Y): kept as the text it was, never read day-first.
            ("alpha", "Estimated Close Date"): "01/30/2027",
            ("plus", "Estimated Close Date"): "03/04/2027",
            ("long_id", "CRM ID"): "1,23456789012346E+017",
        },
        numbers_long_ids=True,
    ),
]
