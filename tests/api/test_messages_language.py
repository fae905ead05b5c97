"""The API answers programs: its messages stay English whatever `Accept-Language` the
client sends, and a results file it serves speaks the file's language, as every other
results file does."""

from __future__ import annotations

from cosell.domain.fields import Field
from cosell.domain.header_names import headers_for
from tests.api.client import Api, body, csv_rows
from tests.support import csv_bytes, row

DUTCH = {"Accept-Language": "nl", "Cookie": "cosell_lang=nl"}


def dutch_file(*rows: dict[str, str]) -> bytes:
    names = headers_for("nl")
    rename = {f.value: names.field(f) for f in Field} | {
        "Solution 1": "Oplossing 1",
        "Team member 1": "Teamlid 1",
    }
    return csv_bytes([{rename.get(k, k): v for k, v in r.items()} for r in rows])


def test_a_job_s_row_errors_stay_english_for_a_dutch_client(api: Api) -> None:
    response = api.post(
        "/api/v1/imports",
        files={"file": ("deals.csv", dutch_file(row(Currency="EURO")))},
        headers=DUTCH,
    )
    assert response.status_code == 202, response.text
    summary = response.json()["summary"]
    assert summary["failures"] == [
        {
            "row": 2,
            "errors": [
                'Valuta: "EURO" is not valid, expected an ISO 4217 currency code, e.g. USD or EUR'
            ],
        }
    ]
    [line] = csv_rows(api.get(response.json()["results_url"]).content)
    assert line["Errors"] == (
        'Valuta: "EURO" is ongeldig, verwacht een valutacode volgens ISO 4217, bijv. USD of EUR'
    )


def test_a_refused_referral_is_explained_in_english(api: Api) -> None:
    response = api.post("/api/v1/referrals", json=body(currency="EURO"), headers=DUTCH)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"] == [
        {
            "field": "currency",
            "column": "Currency",
            "message": '"EURO" is not valid, expected an ISO 4217 currency code, e.g. USD or EUR',
        }
    ]
    assert problem["detail"].startswith("The referral was not saved: Currency: ")


def test_not_found_is_english(api: Api) -> None:
    response = api.get("/api/v1/referrals/nope", headers=DUTCH)
    assert response.status_code == 404
    assert response.json()["detail"] == "Referral ID nope was not found"
