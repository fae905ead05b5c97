"""Column mappings (issue 10 §3): the JSON form, its validation, and the mapped rows."""

from __future__ import annotations

import datetime as dt

import pytest

from cosell.domain.fields import Field
from cosell.domain.mapping import ColumnMapping, MappingError, country_code, our_column
from cosell.errors import FileRejected

EXAMPLE = {
    "columns": {
        "Opportunity Name": "Deal Name",
        "Stage": ["Partner Referral Status", "Partner Referral Substatus"],
        "Country": "Customer Country",
        "Currency": "Currency",
    },
    "values": {"Consent to share Customer/Partner contact": "Yes", "Currency": "USD"},
    "convert": {
        "Partner Referral Status": {"Closed Won": "Closed", "*": "Active"},
        "Partner Referral Substatus": {"Closed Won": "Won", "*": "Accepted"},
    },
}


def test_the_example_maps_headers_cells_constants_and_conversions():
    mapping = ColumnMapping.from_json(EXAMPLE)
    layout = mapping.layout(["Opportunity Name", "Stage", "Owner", "Country", "Currency"])
    assert layout.headers == [
        "Deal Name",
        "Partner Referral Status",
        "Partner Referral Substatus",
        "Customer Country",
        "Currency",
        "Consent to share Customer/Partner contact",
    ]
    # Errors name the file's own column; a column feeding two of ours says which.
    assert layout.names[:4] == [
        "Opportunity Name",
        "Stage (Partner Referral Status)",
        "Stage (Partner Referral Substatus)",
        "Country",
    ]
    assert layout.row(["Big deal", "  closed won ", "Ann", "Netherlands", ""]) == [
        "Big deal", "Closed", "Won", "NL", "USD", "Yes",
    ]  # fmt: skip
    # "*" converts every other non-empty value; an empty cell stays empty.
    assert layout.row(["Other", "Prospecting", "", "DE", "EUR"])[1:5] == [
        "Active", "Accepted", "DE", "EUR",
    ]  # fmt: skip
    assert layout.row(["Other", "", "", "", ""])[1:3] == ["", ""]


def test_headers_match_without_case_and_spaces_and_dates_pass_unchanged():
    mapping = ColumnMapping.from_json({"columns": {"close date": "Estimated Close Date"}})
    layout = mapping.layout(["  Close  Date "])
    assert layout.row([dt.date(2027, 1, 30)]) == [dt.date(2027, 1, 30)]
    assert mapping.header_score(["Close Date", "Other"]) == 1


def test_our_columns_may_be_any_spelling_the_registry_knows():
    mapping = ColumnMapping.from_json(
        {"columns": {"Naam": "Naam van deal", "Product": "solution 1", "V": "Row Version"}}
    )
    assert mapping.columns["Naam"] == (Field.DEAL_NAME.value,)
    assert mapping.columns["Product"] == ("Solution 1",)
    assert our_column("Microsoft Referral Status") is None  # never imported
    assert our_column("Opportunity Name") is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "expected a JSON object"),
        ({"columns": []}, '"columns" must be a JSON object'),
        ({"columns": {"A": "Deal Nam"}}, 'columns: "A": "Deal Nam" is not one of our columns'),
        ({"columns": {"A": 5}}, 'columns: "A" must map to the name of one of our columns'),
        (
            {"columns": {"A": "Deal Name", "B": "Deal Name"}},
            '"A" and "B" both fill "Deal Name"',
        ),
        ({"columns": {"A": "Deal Name", " a ": "Notes"}}, "are the same column of the file"),
        ({"values": {"Colour": "red"}}, 'values: "Colour" is not one of our columns'),
        ({"values": {"Notes": ["x"]}}, 'values: "Notes" must be a text'),
        (
            {"columns": {"A": "Deal Name"}, "convert": {"Currency": {"x": "USD"}}},
            'convert: "Currency" is filled by no column of the file',
        ),
        (
            {"columns": {"A": "Currency"}, "convert": {"Currency": ["USD"]}},
            'convert: "Currency" must be an object of their values and ours',
        ),
        ({"columns": {"A": "Deal Name"}, "colours": {}}, '"colours" is not a part of a mapping'),
        ({"columns": {"A": None}}, "the mapping maps no column"),
    ],
)
def test_a_mapping_that_cannot_be_used_says_each_entry_and_what_was_expected(data, expected):
    with pytest.raises(MappingError) as caught:
        ColumnMapping.from_json(data)
    assert expected in caught.value.message
    assert caught.value.message.startswith("The mapping cannot be used: ")


def test_every_problem_is_reported_at_once():
    with pytest.raises(MappingError) as caught:
        ColumnMapping.from_json({"columns": {"A": "Nope"}, "values": {"Nah": "1"}})
    assert len(caught.value.problems) == 2


def test_a_file_without_a_mapped_column_is_rejected_naming_it_and_the_files_columns():
    mapping = ColumnMapping.from_json(EXAMPLE)
    with pytest.raises(FileRejected) as caught:
        mapping.layout(["Opportunity Name", "Owner"])
    message = caught.value.message
    assert '"Stage", "Country", "Currency"' in message
    assert '"Opportunity Name", "Owner"' in message


def test_json_round_trip():
    mapping = ColumnMapping.from_json(EXAMPLE)
    assert ColumnMapping.from_json(mapping.to_json()) == mapping


def test_results_files_own_columns_pass_through_and_are_kept_for_the_results_file():
    mapping = ColumnMapping.from_json({"columns": {"Name": "Deal Name"}})
    headers = ["Errors", "Name", "Referral ID", "Row Version", "Import Result"]
    layout = mapping.layout(headers)
    assert layout.headers == ["Deal Name", "Referral ID", "Row Version"]
    back = layout.results_map(headers)
    assert back.fields == {Field.REFERRAL_ID: 2, Field.ERRORS: 0}
    assert back.row_version == 3


@pytest.mark.parametrize(
    ("name", "code"),
    [("Netherlands", "NL"), ("united states", "US"), ("UK", "GB"), ("Atlantis", None)],
)
def test_country_names(name, code):
    assert country_code(name) == code


def test_an_imports_options_keep_its_mapping():
    from cosell.domain.job_types import ImportOptions, JobKind, UnreadableOptions, options_from_json

    options = ImportOptions(mapping=ColumnMapping.from_json(EXAMPLE), mapping_profile="Ours")
    stored = options.to_json()
    assert options_from_json(JobKind.IMPORT, stored) == options
    assert "mapping" not in ImportOptions().to_json()
    broken = options_from_json(JobKind.IMPORT, {**stored, "mapping": {"columns": {"A": "B"}}})
    assert isinstance(broken, UnreadableOptions)
    assert '"B" is not one of our columns' in broken.reason
