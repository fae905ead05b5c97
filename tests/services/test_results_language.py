"""A results file speaks the file's language (issue: "row errors in results files stay in
the file's language"): Dutch headers give Dutch errors, Swedish Swedish, English English,
whatever language the page of the person who uploads it is in; the job's summary keeps
the messages so the pages show them in the reader's language, and the API's text stays
English."""

from __future__ import annotations

import pytest

from cosell.domain.fields import Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.job_summaries import ImportSummary
from cosell.domain.job_types import ImportOptions
from cosell.i18n import translate, use_locale
from cosell.services import jobs
from tests.support import World, csv_bytes, read_csv, results_file, row, run_import

BAD = {"Deal Name": "", "Customer Country": "Nederland"}


def localized(rows: list[dict[str, str]], lang: str) -> bytes:
    """The rows under the headers `lang`'s Partner Center files use."""
    names = headers_for(lang)
    rename = {f.value: names.field(f) for f in Field}
    rename |= {
        "Solution 1": names.group(Group.SOLUTION, 1),
        "Team member 1": names.group(Group.TEAM_MEMBER, 1),
    }
    return csv_bytes([{rename.get(k, k): v for k, v in r.items()} for r in rows])


def errors_cell(results: list[dict[str, str]]) -> str:
    return results[1]["Errors"]


@pytest.mark.parametrize(
    ("lang", "missing", "country"),
    [
        ("nl", "Dealnaam: Verplicht veld Dealnaam ontbreekt", '"Nederland" is ongeldig, verwacht'),
        ("sv", "Avtalsnamn: Obligatoriskt fält Avtalsnamn saknas", '"Nederland" är ogiltigt, ange'),
        (
            "fr",
            "Nom de la transaction : Le champ obligatoire Nom de la transaction est manquant",
            "« Nederland » n’est pas valide, indiquez",
        ),
        (
            "en",
            "Deal Name: Mandatory field Deal Name missing",
            '"Nederland" is not valid, expected',
        ),
    ],
)
@pytest.mark.parametrize("page", ["en", "nl", "fr"])
def test_the_results_file_speaks_the_file_s_language_whoever_uploads_it(
    world: World, lang: str, missing: str, country: str, page: str
) -> None:
    with use_locale(page):
        result = run_import(world, world.admin, localized([row(), row(**BAD)], lang))
    assert (result.count("created"), result.count("failed")) == (1, 1)
    results = result.result_rows()
    assert results[0]["Errors"] == "" and len(results[0]["Referral ID"]) == 36
    cell = errors_cell(results)
    first, second = cell.split("; ")  # two messages, neither holding a "; " of its own
    colon = " : " if lang == "fr" else ": "
    assert first.startswith(headers_for(lang).field(Field.COUNTRY) + colon + country)
    assert second == missing


def test_a_warning_is_in_the_file_s_language_too(world: World) -> None:
    data = localized([row(**{"Declined/Lost reason": "2"})], "nl")
    result = run_import(world, world.admin, data)
    [line] = result.result_rows()
    assert line["Errors"].startswith("Waarschuwing: Afgewezen/verloren reden genegeerd: ")


def test_a_big_file_s_results_speak_its_language(world: World) -> None:
    """Imported a chunk at a time, the rows' outcomes are stored between the chunks:
    they keep what their messages are made of."""
    settings = world.settings.model_copy(update={"import_chunk_rows": 2, "max_import_rows": 100})
    rows = [row(Deal_Name=f"deal {i}", CRM_ID=f"big-lang-{i}") for i in range(5)]
    rows[3]["Deal Name"] = ""
    job_id = jobs.submit_import(
        world.db, world.admin, "big.csv", localized(rows, "sv"), ImportOptions(), settings
    )
    job = jobs.run_job(world.db, job_id, settings)
    assert job.status == "completed"
    results = read_csv(results_file(world, job))
    assert results[3]["Errors"] == "Avtalsnamn: Obligatoriskt fält Avtalsnamn saknas"
    summary = job.summary
    assert isinstance(summary, ImportSummary)
    [failure] = summary.failures
    assert failure.errors[0] == "Avtalsnamn: Mandatory field Deal Name missing"
    assert translate(failure.errors[0], "nl") == "Avtalsnamn: Verplicht veld Dealnaam ontbreekt"


def test_the_job_summary_shows_in_the_reader_s_language_and_stays_english_as_data(
    world: World,
) -> None:
    result = run_import(world, world.admin, localized([row(**BAD)], "nl"))
    [errors] = result.failures.values()
    assert errors[1] == "Dealnaam: Mandatory field Deal Name missing"  # the API's text
    stored = ImportSummary.from_json(result.summary)
    assert stored is not None
    [failure] = stored.failures
    assert translate(failure.errors[1], "fr") == (
        "Dealnaam : Le champ obligatoire Nom de la transaction est manquant"
    )
    assert translate(failure.errors[1], "sv") == "Dealnaam: Obligatoriskt fält Avtalsnamn saknas"


def test_a_rejected_file_s_reason_is_kept_for_the_reader_s_language(world: World) -> None:
    result = run_import(world, world.admin, b"What,Ever\r\n1,2\r\n")
    assert result.status == "rejected"
    stored = ImportSummary.from_json(result.summary)
    assert stored is not None
    [reason] = stored.errors
    assert reason.startswith("No header row with known columns was found")
    assert translate(reason, "nl").startswith("Er is geen koprij met bekende kolommen gevonden")
