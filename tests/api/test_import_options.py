"""`POST /api/v1/imports` form fields of issue 6: overwrite_newer, allow_duplicates and
date_order change the outcome."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.client import Api, csv_rows
from tests.support import ADMIN, csv_bytes, row


def job_of(response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    data: dict[str, Any] = response.json()
    return data


def summary(api: Api, data: bytes, **form: str) -> dict[str, Any]:
    job = job_of(api.upload(data, **form))
    assert job["status"] == "completed", job
    result: dict[str, Any] = job["summary"]
    return result


def exported(api: Api) -> list[dict[str, str]]:
    job = job_of(api.post("/api/v1/exports", json={"format": "csv"}))
    file = api.get(job["file_url"])
    assert file.status_code == 200
    return csv_rows(file.content)


def as_csv(rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(rows, list(rows[0].keys()))


def referrals(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/referrals").json()["items"]
    return items


def test_overwrite_newer_form_field(api: Api) -> None:
    assert summary(api, csv_bytes([row()]))["created"] == 1
    admins = exported(api)
    sellers = exported(api.as_("seller"))
    assert "Row Version" in admins[0]
    admins[0]["Notes"] = "newer notes"
    assert summary(api, as_csv(admins))["updated"] == 1
    sellers[0]["CRM ID"] = "SELLER-CRM"

    stale = summary(api.as_("seller"), as_csv(sellers))
    assert (stale["updated"], stale["failed"]) == (0, 1)
    [failure] = stale["failures"]
    assert "changed since you exported it" in failure["errors"][0]
    assert f"by {ADMIN} at " in failure["errors"][0] and "Notes" in failure["errors"][0]
    [ref] = referrals(api)
    assert ref["notes"] == "newer notes" and ref["crm_id"] != "SELLER-CRM"

    forced = summary(api.as_("seller"), as_csv(sellers), overwrite_newer="true")
    assert (forced["updated"], forced["failed"]) == (1, 0)
    [ref] = referrals(api)
    assert ref["crm_id"] == "SELLER-CRM"


def test_allow_duplicates_form_field(api: Api) -> None:
    assert summary(api, csv_bytes([row()]))["created"] == 1
    lookalike = csv_bytes([row(Notes="typed again")])
    refused = summary(api, lookalike)
    assert (refused["created"], refused["failed"]) == (0, 1)
    assert "looks like a duplicate of referral" in refused["failures"][0]["errors"][0]
    allowed = summary(api, lookalike, allow_duplicates="true")
    assert (allowed["created"], allowed["failed"]) == (1, 0)
    assert len(referrals(api)) == 2


def test_date_order_form_field(api: Api) -> None:
    buf = io.StringIO()
    rows = [row(Estimated_Close_Date="03/04/2027", Estimated_Deal_Value="100,50")]
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")

    from_file = summary(api, data)
    assert (from_file["created"], from_file["failed"]) == (0, 1)
    assert "--date-order" in from_file["failures"][0]["errors"][0]
    given = summary(api, data, date_order="DMY")
    assert (given["created"], given["failed"]) == (1, 0)
    [ref] = referrals(api)
    assert ref["close_date"] == "2027-04-03"


def test_a_bad_date_order_is_422_and_changes_nothing(api: Api) -> None:
    response = api.upload(csv_bytes([row()]), date_order="DDMMYY")
    assert response.status_code == 422
    assert referrals(api) == []


def test_a_change_made_through_the_api_is_named_in_the_stale_row_error(api: Api) -> None:
    assert summary(api, csv_bytes([row()]))["created"] == 1
    copy = exported(api)
    rid = copy[0]["Referral ID"]
    patched = api.as_("seller").patch(
        f"/api/v1/referrals/{rid}", json={"notes": "patched"}, headers={"If-Match": "1"}
    )
    assert patched.status_code == 200, patched.text
    copy[0]["CRM ID"] = "FROM-THE-FILE"
    stale = summary(api, as_csv(copy))
    assert stale["failed"] == 1
    message = stale["failures"][0]["errors"][0]
    assert "changed since you exported it (by seller@org-a.example at " in message
    assert "Notes" in message
    [ref] = referrals(api)
    assert ref["notes"] == "patched" and ref["crm_id"] != "FROM-THE-FILE"
