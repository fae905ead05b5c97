"""Dates (issue 6 §3): dotted dates are day first, two-digit years are 20YY, an
ambiguous date is never swapped silently, and impossible dates fail."""

from __future__ import annotations

import datetime as dt

import pytest

from cosell.domain.fields import Field, Group
from cosell.domain.header_names import headers_for
from cosell.store.referrals import ReferralRepository
from tests.support import World, csv_bytes, row, run_import

CLOSE = "Estimated Close Date"


def close_dates(world: World, result) -> list[dt.date | None]:
    """The stored close date of each row of the results file (None: no deal)."""
    out: list[dt.date | None] = []
    with world.db.read() as conn:
        repo = ReferralRepository(conn, world.admin)
        for line in result.result_rows():
            ref = repo.get(line["Referral ID"]) if line["Referral ID"] else None
            out.append(ref.close_date if ref else None)
    return out


def dated(*dates: str) -> list[dict[str, str]]:
    return [row(Estimated_Close_Date=d, Deal_Name=f"Deal {i}") for i, d in enumerate(dates)]


def semicolon(rows: list[dict[str, str]]) -> bytes:
    """A `;` file as a European spreadsheet saves it: decimal commas."""
    for r in rows:
        r["Estimated Deal Value"] = r["Estimated Deal Value"].replace(".", ",")
    return csv_bytes(rows, delimiter=";")


def dutch(rows: list[dict[str, str]]) -> bytes:
    """A comma file with the Dutch headers (a day-first language)."""
    names = headers_for("nl")
    english = {f.value: names.field(f) for f in Field}
    english |= {g.header(1): names.group(g, 1) for g in Group}
    translated = [{english[k]: v for k, v in r.items()} for r in rows]
    return csv_bytes(translated)


def create_on(world: World, day: str) -> str:
    result = run_import(world, world.admin, csv_bytes([row(Estimated_Close_Date=day)]))
    assert result.count("created") == 1, result.failures
    return result.result_rows()[0]["Referral ID"]


# ------------------------------------------------------------------ shapes
def test_dotted_dates_are_day_first(world):
    result = run_import(world, world.admin, csv_bytes(dated("04.03.2027", "4.3.27", "30.01.2027")))
    assert result.count("created") == 3, result.failures
    assert close_dates(world, result) == [
        dt.date(2027, 3, 4),
        dt.date(2027, 3, 4),
        dt.date(2027, 1, 30),
    ]


def test_dotted_dates_are_day_first_even_in_a_month_first_file(world):
    data = csv_bytes(dated("01/30/2027", "04.03.2027"))
    result = run_import(world, world.admin, data)
    assert result.count("created") == 2, result.failures
    assert close_dates(world, result) == [dt.date(2027, 1, 30), dt.date(2027, 3, 4)]


def test_two_digit_years_are_read_as_20yy(world):
    result = run_import(world, world.admin, csv_bytes(dated("01/30/27", "1/30/27", "12/31/99")))
    assert result.count("created") == 3, result.failures
    assert close_dates(world, result) == [
        dt.date(2027, 1, 30),
        dt.date(2027, 1, 30),
        dt.date(2099, 12, 31),
    ]


# ------------------------------------------------------------------ the file's order
def test_an_unambiguous_day_first_date_makes_the_file_day_first(world):
    result = run_import(world, world.admin, csv_bytes(dated("30/01/2027", "03/04/2027")))
    assert result.count("created") == 2, result.failures
    assert close_dates(world, result) == [dt.date(2027, 1, 30), dt.date(2027, 4, 3)]


def test_an_unambiguous_month_first_date_makes_the_file_month_first(world):
    result = run_import(world, world.admin, csv_bytes(dated("01/30/2027", "03/04/2027")))
    assert result.count("created") == 2, result.failures
    assert close_dates(world, result) == [dt.date(2027, 1, 30), dt.date(2027, 3, 4)]


def test_dates_proving_both_orders_fail_the_contradicting_rows(world):
    data = csv_bytes(dated("01/30/2027", "01/31/2027", "30/01/2027"))
    result = run_import(world, world.admin, data)
    assert (result.count("created"), result.count("failed")) == (2, 1), result.failures
    [errors] = result.failures.values()
    assert list(result.failures) == [4]
    assert errors[0].startswith(f"{CLOSE}:")
    assert "day first" in errors[0] and "month first" in errors[0]
    assert close_dates(world, result) == [dt.date(2027, 1, 30), dt.date(2027, 1, 31), None]


def test_an_even_contradiction_fails_every_proving_row(world):
    result = run_import(world, world.admin, csv_bytes(dated("01/30/2027", "30/01/2027")))
    assert (result.count("created"), result.count("failed")) == (0, 2)


def test_a_semicolon_file_with_only_ambiguous_dates_asks_for_the_order(world):
    result = run_import(world, world.admin, semicolon(dated("03/04/2027", "05/06/2027")))
    assert (result.count("created"), result.count("failed")) == (0, 2)
    for errors in result.failures.values():
        [message] = errors
        assert message.startswith(f"{CLOSE}:")
        assert "March 4 or April 3" in message or "May 6 or June 5" in message
        assert "--date-order" in message


def test_a_semicolon_file_is_read_day_first_when_a_date_proves_it(world):
    result = run_import(world, world.admin, semicolon(dated("30/01/2027", "03/04/2027")))
    assert result.count("created") == 2, result.failures
    assert close_dates(world, result) == [dt.date(2027, 1, 30), dt.date(2027, 4, 3)]


def test_a_semicolon_file_with_the_date_order_given(world):
    result = run_import(
        world, world.admin, semicolon(dated("03/04/2027", "05/06/2027")), date_order="DMY"
    )
    assert result.count("created") == 2, result.failures
    assert close_dates(world, result) == [dt.date(2027, 4, 3), dt.date(2027, 6, 5)]


def test_a_file_with_dutch_headers_and_only_ambiguous_dates_asks_for_the_order(world):
    result = run_import(world, world.admin, dutch(dated("03/04/2027")))
    assert (result.count("created"), result.count("failed")) == (0, 1)
    [[message]] = result.failures.values()
    assert message.startswith("Geschatte einddatum:") and "--date-order" in message
    given = run_import(world, world.admin, dutch(dated("03/04/2027")), date_order="DMY")
    assert given.count("created") == 1, given.failures
    assert close_dates(world, given) == [dt.date(2027, 4, 3)]


def test_the_given_order_wins_over_the_files_dates(world):
    result = run_import(world, world.admin, csv_bytes(dated("03/04/2027")), date_order="DMY")
    assert close_dates(world, result) == [dt.date(2027, 4, 3)]
    wrong = run_import(world, world.admin, csv_bytes(dated("01/30/2027")), date_order="DMY")
    assert wrong.count("failed") == 1 and "DD/MM/YYYY" in wrong.failures[2][0]


def test_an_english_comma_file_without_proof_is_month_first(world):
    result = run_import(world, world.admin, csv_bytes(dated("03/04/2027")))
    assert close_dates(world, result) == [dt.date(2027, 3, 4)]


# ------------------------------------------------------------------ updates
@pytest.mark.parametrize("text", ["03/04/2027", "04/03/2027", "3/4/27"])
def test_an_ambiguous_date_equal_to_the_stored_date_either_way_is_unchanged(world, text):
    rid = create_on(world, "2027-03-04")
    update = {"Referral ID": rid, CLOSE: text, "Estimated Deal Value": "12563,50"}
    result = run_import(world, world.admin, csv_bytes([update], delimiter=";"))
    assert (result.count("unchanged"), result.count("failed")) == (1, 0), result.failures
    assert close_dates(world, result) == [dt.date(2027, 3, 4)]


def test_an_ambiguous_date_equal_under_neither_reading_fails_the_update(world):
    rid = create_on(world, "2027-03-04")
    update = {"Referral ID": rid, CLOSE: "05/06/2027", "Notes": "x"}
    result = run_import(world, world.admin, csv_bytes([update], delimiter=";"))
    assert result.count("failed") == 1
    assert "--date-order" in result.failures[2][0]
    assert close_dates(world, result) == [dt.date(2027, 3, 4)]


def test_an_untouched_ambiguous_date_in_a_day_first_file_is_unchanged(world):
    """A month-first export row (`03/04/2027`, March 4) stays as it was when another
    row of the file proves the file day first: the stored date under either reading."""
    exported = row(Estimated_Close_Date="03/04/2027")
    first = run_import(world, world.admin, csv_bytes([exported]))
    assert close_dates(world, first) == [dt.date(2027, 3, 4)]
    untouched = {"Referral ID": first.result_rows()[0]["Referral ID"], **exported}
    rows = [untouched, *dated("30/01/2027")]
    result = run_import(world, world.admin, csv_bytes(rows))
    assert result.count("failed") == 0, result.failures
    assert result.result_rows()[0]["Import Result"] == "Unchanged"
    assert close_dates(world, result)[0] == dt.date(2027, 3, 4)


# ------------------------------------------------------------------ impossible dates
@pytest.mark.parametrize("text", ["0001-01-01", "1/1/1899", "12/31/1899", "1899-12-31"])
def test_dates_before_1900_fail(world, text):
    result = run_import(world, world.admin, csv_bytes(dated(text)))
    assert (result.count("created"), result.count("failed")) == (0, 1)
    [errors] = result.failures.values()
    assert [e for e in errors if e.startswith(f"{CLOSE}:")], errors
    assert any("between 1900 and 9999" in e for e in errors), errors


def test_a_date_before_1900_fails_an_update_and_keeps_the_date(world):
    rid = create_on(world, "2027-03-04")
    result = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, CLOSE: "0001-01-01"}]))
    assert result.count("failed") == 1
    assert close_dates(world, result) == [dt.date(2027, 3, 4)]
