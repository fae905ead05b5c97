"""The messages of the domain, the readers and the services are `i18n.Msg`: English text
as before (the rest of the suite checks the English words), shown again in Dutch,
Swedish or French from the catalogs, a composite message with its parts, a column it
names by its English header as that language's files spell it."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re

import pytest

from cosell import i18n
from cosell.domain import cells
from cosell.domain.column_names import ColumnName, column_name, group_column
from cosell.domain.decide import Context, decide_create
from cosell.domain.enums import Role
from cosell.domain.fields import Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.headers import map_columns
from cosell.domain.job_summaries import ImportSummary, RowFailure, RowWarning
from cosell.domain.rows import RowError, RowParser, RowRecord
from cosell.errors import FileRejected, RowErrors, StaleVersion
from cosell.files.reader import read_table
from cosell.i18n import Msg, message_from_json, message_to_json, translate

NOW = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
CTX = Context(role=Role.ADMIN, email_key="a@x.com", catalog={}, now=NOW)


def english_headers() -> list[str]:
    return [f.value for f in Field] + ["Solution 1", "Team member 1"]


def parsed(cells_by_header: dict[str, str], headers: list[str] | None = None) -> RowRecord:
    headers = headers or english_headers()
    parser = RowParser(map_columns(headers), headers)
    return parser.parse(2, [cells_by_header.get(h, "") for h in headers])


def cell_error(parse: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(cells.CellError) as caught:
        parse(*args, **kwargs)  # type: ignore[operator]
    return caught.value.expected


# ------------------------------------------------------------------ what they are
def test_cell_errors_are_msgs_with_the_english_text() -> None:
    expected = cell_error(cells.parse_yes_no, "maybe")
    assert isinstance(expected, Msg) and expected == "expected Yes or No"
    number = cell_error(cells.parse_decimal, "12,5x", decimal_comma=False)
    assert isinstance(number, Msg)
    assert number == "expected a plain number without currency or letters, e.g. 12563.50"


def test_row_errors_of_a_parsed_row_are_msgs() -> None:
    record = parsed({"Customer Country": "Nederland", "Currency": "XAU"})
    assert record.errors
    for error in record.errors:
        assert isinstance(error.message, Msg)
        assert isinstance(str(error), Msg)
    assert str(record.errors[0]) == (
        'Customer Country: "Nederland" is not valid, expected a two-letter ISO 3166 '
        "country code, e.g. US or NL"
    )


def test_a_row_error_of_plain_texts_stays_plain() -> None:
    error = RowError("Deal Name", "too long")
    assert str(error) == "Deal Name: too long" and not isinstance(str(error), Msg)


def test_decisions_give_msgs() -> None:
    decision = decide_create(parsed({}), CTX, "r", "e")
    messages = {e.message for e in decision.errors}
    assert "Mandatory field Deal Name missing" in messages
    assert "Mandatory field Solution 1 missing" in messages
    assert all(isinstance(e.message, Msg) for e in decision.errors)


def test_file_rejections_are_msgs() -> None:
    with pytest.raises(FileRejected) as caught:
        read_table(b"", header_score=lambda cells: 0)
    assert isinstance(caught.value.message, Msg)
    with pytest.raises(FileRejected) as unknown:
        map_columns(["What", "Ever"])
    assert isinstance(unknown.value.message, Msg)
    assert unknown.value.message.startswith("No known column header was found")


# ------------------------------------------------------------------ in other languages
@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("nl", '"maybe" is ongeldig, verwacht Ja of Nee'),
        ("sv", '"maybe" är ogiltigt, ange Ja eller Nej'),
        ("fr", "« maybe » n’est pas valide, indiquez Oui ou Non"),
        ("en", '"maybe" is not valid, expected Yes or No'),
    ],
)
def test_a_cell_error_reads_in_each_language(locale: str, text: str) -> None:
    record = parsed({"Microsoft help required?": "maybe"})
    [error] = [e for e in record.errors if e.column == "Microsoft help required?"]
    assert translate(error.message, locale) == text


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("nl", "Verplicht veld Dealnaam ontbreekt"),
        ("sv", "Obligatoriskt fält Avtalsnamn saknas"),
        ("fr", "Le champ obligatoire Nom de la transaction est manquant"),
        ("en", "Mandatory field Deal Name missing"),
    ],
)
def test_a_column_named_in_a_message_is_spelled_as_the_language_s_files_spell_it(
    locale: str, text: str
) -> None:
    [missing] = [
        e for e in decide_create(parsed({}), CTX, "r", "e").errors if e.column == "Deal Name"
    ]
    assert translate(missing.message, locale) == text


def test_partner_center_s_own_example_of_a_missing_solution() -> None:
    """The seeds' Errors column: "Verplicht veld Oplossing 1 ontbreekt" (nl),
    "Obligatoriskt fält Lösning 1 saknas" (sv)."""
    [missing] = [
        e
        for e in decide_create(parsed({"Deal Name": "x"}), CTX, "r", "e").errors
        if e.column == "Solution 1"
    ]
    assert translate(missing.message, "nl") == "Verplicht veld Oplossing 1 ontbreekt"
    assert translate(missing.message, "sv") == "Obligatoriskt fält Lösning 1 saknas"
    assert translate(str(missing), "nl") == "Oplossing 1: Verplicht veld Oplossing 1 ontbreekt"


def test_a_composite_message_translates_each_part() -> None:
    record = parsed({"Solution 1": "SOL-1, EUR, ten"})
    [error] = record.errors
    assert error == RowError(
        "Solution 1",
        '"SOL-1, EUR, ten" is not valid, price: expected a number ≥ 0 with at most 2 '
        "decimals, e.g. 10.50",
    )
    assert translate(error.message, "nl") == (
        '"SOL-1, EUR, ten" is ongeldig, prijs: verwacht een getal ≥ 0 met hoogstens 2 '
        "decimalen, bijv. 10.50"
    )
    assert translate(error.message, "fr") == (
        "« SOL-1, EUR, ten » n’est pas valide, prix : indiquez un nombre ≥ 0 avec au plus 2 "
        "décimales, p. ex. 10.50"
    )


def test_values_stay_as_given_inside_a_translated_message() -> None:
    """The user's value, the column as the file spells it and enum names are not
    translated."""
    headers = [headers_for("nl").field(f) for f in Field]
    record = parsed({"Partner Referral Status": "Bogus"}, None)
    nl_record = parsed({headers_for("nl").field(Field.STATUS): "Bogus"}, headers)
    [error] = [e for e in nl_record.errors if e.column == "Verwijzingsstatus van partner"]
    assert translate(str(error), "nl").startswith('Verwijzingsstatus van partner: "Bogus" is ')
    assert "New, Active, Closed" in translate(error.message, "sv")
    assert record.errors[0].message == error.message


def test_a_date_message_names_the_months_in_the_language() -> None:
    from cosell.domain.decide import _ambiguous

    record = parsed({})
    error = _ambiguous(record, cells.read_date("03/04/2027", None))  # type: ignore[arg-type]
    assert error.message.startswith('"03/04/2027" could be March 4 or April 3:')
    assert translate(error.message, "nl").startswith('"03/04/2027" kan 4 maart of 3 april zijn:')
    assert "le 4 mars ou le 3 avril" in translate(error.message, "fr")


def test_row_errors_hold_no_semicolon_in_any_language() -> None:
    """The Errors cell joins a row's messages with "; "."""
    bad = {
        "Deal Name": "",
        "Customer Country": "Nederland",
        "Estimated Deal Value": "12;5",
        "Estimated Close Date": "31/31/2027",
        "Currency": "XAU",
        "Sales Stage": "55",
        "Consent to share Customer/Partner contact": "No",
        "Microsoft help required?": "Yes",
        "What specific help from Microsoft?": "9",
        "Solution 1": "SOL-1, EUR, 1, 2, 3",
        "Team member 1": "Bob; Partner",
        "Partner Referral Status": "Closed",
        "Partner Referral Substatus": "Won",
    }
    errors = decide_create(parsed(bad), CTX, "r", "e").errors
    assert len(errors) > 8
    for locale in i18n.LOCALES:
        for error in errors:
            assert ";" not in translate(str(error), locale), (locale, error)


# ------------------------------------------------------------------ kept and carried
def test_msgs_pickle_with_their_parts() -> None:
    record = parsed({"Customer Country": "Nederland"})
    [error] = record.errors
    again = pickle.loads(pickle.dumps(error))
    assert again == error and isinstance(again.message, Msg)
    assert translate(again.message, "sv") == translate(error.message, "sv")
    name = pickle.loads(pickle.dumps(column_name(Field.DEAL_NAME)))
    assert isinstance(name, ColumnName) and name.in_locale("nl") == "Dealnaam"


def test_exceptions_carrying_msgs_pickle() -> None:
    with pytest.raises(FileRejected) as caught:
        map_columns(["What"])
    again = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(again, FileRejected) and again.args[0] == caught.value.message
    assert isinstance(again.args[0], Msg)
    stale = StaleVersion("R-1", 3, 2)
    assert translate(stale.message, "nl").startswith("Verwijzings-id R-1 is gewijzigd")


def test_the_referral_not_saved_message_composes_its_errors() -> None:
    errors = decide_create(parsed({"Deal Name": "x"}), CTX, "r", "e").errors
    refused = RowErrors(errors)
    assert refused.message.startswith("The referral was not saved: ")
    assert translate(refused.message, "nl").startswith("De verwijzing is niet opgeslagen: ")
    assert "Verplicht veld Oplossing 1 ontbreekt" in translate(refused.message, "nl")


def test_messages_keep_their_parts_as_json() -> None:
    [error] = decide_create(parsed({"Deal Name": "x"}), CTX, "r", "e").errors[:1]
    stored = json.loads(json.dumps(message_to_json(str(error))))
    again = message_from_json(stored)
    assert again == str(error)
    assert translate(again, "fr") == translate(str(error), "fr")
    assert message_from_json("plain text") == "plain text"
    with pytest.raises(ValueError, match="not a stored message"):
        message_from_json({"v": {}})


def test_a_summary_keeps_its_messages_through_its_stored_json() -> None:
    [error] = [
        e
        for e in decide_create(parsed({"Deal Name": "x"}), CTX, "r", "e").errors
        if e.column == "Solution 1"
    ]
    summary = ImportSummary(
        failed=1,
        failures=(RowFailure(2, (str(error), "plain")),),
        row_warnings=(RowWarning(3, (Msg("Warning: %(warning)s", warning="w"),)),),
        warnings=(Msg('Unknown column "%(column)s" was ignored', column="X"),),
    )
    stored = json.loads(json.dumps(summary.to_json()))
    assert stored["failures"] == [
        {"row": 2, "errors": ["Solution 1: Mandatory field Solution 1 missing", "plain"]}
    ]
    again = ImportSummary.from_json(stored)
    assert again == summary
    assert again is not None
    assert translate(again.failures[0].errors[0], "sv") == (
        "Lösning 1: Obligatoriskt fält Lösning 1 saknas"
    )
    assert translate(again.warnings[0], "fr") == "La colonne inconnue « X » a été ignorée"


def test_a_summary_stored_before_messages_were_kept_reads_as_plain_text() -> None:
    old = {"status": "completed", "failed": 1, "failures": [{"row": 2, "errors": ["x: y"]}]}
    summary = ImportSummary.from_json(old)
    assert summary is not None and summary.failures[0].errors == ("x: y",)
    assert "messages" not in summary.to_json()
    broken = {**old, "messages": [["a"]]}
    assert ImportSummary.from_json(broken) == summary


# ------------------------------------------------------------------ the file's language
@pytest.mark.parametrize("lang", ["nl", "sv", "fr", "de"])
def test_the_column_map_knows_the_language_of_translated_headers(lang: str) -> None:
    names = headers_for(lang)
    headers = [names.field(f) for f in Field] + [names.group(Group.SOLUTION, 1)]
    assert map_columns(headers).locale == names.locale
    assert map_columns(headers[3:6]).locale == names.locale


def test_english_headers_have_no_language() -> None:
    assert map_columns(english_headers()).locale is None


def test_a_group_column_reads_in_the_language() -> None:
    assert group_column(Group.TEAM_MEMBER, 3).in_locale("fr") == "Membre de l’équipe 3"
    assert ColumnName("Row Version").in_locale("nl") == "Row Version"


# ------------------------------------------------------------------ the catalogs
def _catalog(locale: str) -> dict[str, str]:
    from importlib import resources

    from babel.messages.pofile import read_po

    path = resources.files("cosell").joinpath("locales", locale, "LC_MESSAGES", "messages.po")
    with path.open("rb") as handle:
        return {
            m.id: m.string
            for m in read_po(handle)
            if isinstance(m.id, str) and m.id and isinstance(m.string, str)
        }


@pytest.mark.parametrize("locale", ["nl", "sv", "fr"])
def test_translations_keep_every_placeholder(locale: str) -> None:
    placeholder = re.compile(r"%\((\w+)\)s")
    for msgid, msgstr in _catalog(locale).items():
        if msgstr and "%(" in msgid:
            assert set(placeholder.findall(msgstr)) == set(placeholder.findall(msgid)), msgid
