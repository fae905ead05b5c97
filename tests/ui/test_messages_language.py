"""The pages show the service's messages (a row's errors, a rejected file's reason) in
the reader's language, while the results file keeps the file's language."""

from __future__ import annotations

import re
from html import unescape

from tests.support import ADMIN, csv_bytes, read_csv, row
from tests.ui.conftest import form_token


def upload(client, data, name="deals.csv"):
    token = form_token(client.get("/imports").text)
    return client.post(
        "/imports",
        data={"csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_a_failed_row_reads_in_the_reader_s_language(make_client):
    client = make_client(ADMIN)
    client.cookies.set("cosell_lang", "nl")
    page = unescape(upload(client, csv_bytes([row(), row(Currency="EURO")])).text)
    assert (
        'Currency: "EURO" is ongeldig, verwacht een valutacode volgens ISO 4217, bijv. USD of EUR'
        in page
    )
    assert "is not valid" not in page
    job_id = re.search(r'href="/imports/([0-9a-f-]{36})/results\?format=csv"', page)
    assert job_id is not None
    results = client.get(f"/imports/{job_id.group(1)}/results?format=csv").content
    [_, failed] = read_csv(results)
    assert failed["Errors"] == (
        'Currency: "EURO" is not valid, expected an ISO 4217 currency code, e.g. USD or EUR'
    )


def test_a_rejected_file_s_reason_reads_in_the_reader_s_language(make_client):
    client = make_client(ADMIN)
    client.cookies.set("cosell_lang", "sv")
    page = unescape(upload(client, b"").text)
    assert "Filen är tom; ange en CSV- eller Excel-fil med en rubrikrad." in page
