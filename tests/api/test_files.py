"""/api/v1/imports, /exports and /template: uploads and downloads as background jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app as cli
from cosell.domain.job_types import ImportOptions
from cosell.services import jobs
from tests.api.client import Api, csv_rows
from tests.support import VALID_ROW, World, csv_bytes, row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def job_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    data: dict[str, Any] = response.json()
    assert response.headers["Location"].endswith(data["id"])
    return data


# ------------------------------------------------------------------ imports
def test_upload_answers_202_with_the_job_and_its_summary(api: Api) -> None:
    job = job_of(api.upload(csv_bytes([row(), row(Currency="EURO")]), name="deals.csv"))
    assert (job["kind"], job["status"], job["file_name"]) == ("import", "completed", "deals.csv")
    summary = job["summary"]
    assert (summary["rows"], summary["created"], summary["failed"]) == (2, 1, 1)
    assert summary["failures"] == [
        {
            "row": 3,
            "errors": [
                'Currency: "EURO" is not valid, expected an ISO 4217 currency code, e.g. USD or EUR'
            ],
        }
    ]
    assert job["results_url"] == f"/api/v1/imports/{job['id']}/results"
    assert api.get(f"/api/v1/imports/{job['id']}").json() == job
    assert api.get("/api/v1/referrals").json()["total"] == 1


def test_results_come_in_the_uploads_format_and_the_other(api: Api) -> None:
    job = job_of(api.upload(csv_bytes([row()]), name="deals.csv"))
    results = api.get(job["results_url"])
    assert results.status_code == 200 and results.headers["content-type"].startswith("text/csv")
    assert results.headers["content-disposition"] == (
        "attachment; filename=\"deals-results.csv\"; filename*=UTF-8''deals-results.csv"
    )
    [line] = csv_rows(results.content)
    assert line["Import Result"] == "Created" and len(line["Referral ID"]) == 36
    xlsx = api.get(job["results_url"], params={"format": "xlsx"})
    assert xlsx.headers["content-type"] == XLSX and xlsx.content.startswith(b"PK")
    assert 'filename="deals-results.xlsx"' in xlsx.headers["content-disposition"]
    # Re-uploading the results file creates nothing twice.
    again = job_of(api.upload(xlsx.content, name="deals-results.xlsx"))
    assert (again["summary"]["unchanged"], again["summary"]["created"]) == (1, 0)
    from_xlsx = api.get(again["results_url"])
    assert from_xlsx.headers["content-type"] == XLSX
    as_csv = api.get(again["results_url"], params={"format": "csv"})
    assert [r["Import Result"] for r in csv_rows(as_csv.content)] == ["Unchanged"]


def test_dry_run_and_options_are_kept_on_the_job(api: Api) -> None:
    data = csv_bytes([row(Estimated_Close_Date="30/01/2027")])
    job = job_of(
        api.upload(data, dry_run="true", match="crm-id", date_order="DMY", overwrite_newer="true")
    )
    assert job["options"] == {
        "dry_run": True,
        "match": "crm-id",
        "date_order": "DMY",
        "overwrite_newer": True,
        "allow_duplicates": False,
        "mapping": None,
        "mapping_profile": None,
    }
    assert job["summary"]["dry_run"] is True and job["summary"]["created"] == 1
    assert api.get("/api/v1/referrals").json()["total"] == 0
    bad = api.upload(csv_bytes([row()]), match="name")
    assert bad.status_code == 422


def cli_errors(world: World, tmp_path: Path, data: bytes) -> list[str]:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    result = CliRunner().invoke(
        cli,
        [
            "--database-url",
            world.settings.database_url,
            "import",
            str(path),
            "--as",
            "admin@org-a.example",
            "--json",
        ],
    )
    assert result.exit_code == 2, result.output
    errors: list[str] = json.loads(result.stdout)["errors"]
    return errors


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        b"",
        csv_bytes([]),
        csv_bytes([row()] * 1001),
        csv_bytes([row()], headers=[*VALID_ROW, "Solution 51"]),
        csv_bytes([row()], headers=[*VALID_ROW, "Dealnaam"]),
    ],
    ids=["png", "empty", "header-only", "1001-rows", "solution-51", "duplicate-columns"],
)
def test_rejected_files_give_the_clis_message(
    api: Api, world: World, tmp_path: Path, data: bytes
) -> None:
    job = job_of(api.upload(data))
    assert job["status"] == "rejected" and job["results_url"] is None
    assert job["summary"]["errors"] == cli_errors(world, tmp_path, data)
    assert job["error"] == job["summary"]["errors"][0]
    assert api.get(f"/api/v1/imports/{job['id']}/results").status_code == 404
    assert api.get("/api/v1/referrals").json()["total"] == 0


def test_an_oversize_upload_is_413(api_with: Callable[..., Api]) -> None:
    api = api_with(max_upload_bytes=1024 * 1024)
    over_limit = b"x" * (1024 * 1024 + 1000)  # within the envelope allowance: the service says no
    response = api.upload(over_limit)
    assert response.status_code == 413 and response.json()["title"] == "File too large"
    detail = response.json()["detail"]
    assert detail.startswith("The file is 1,049,576 bytes; at most") and "1 MiB" in detail
    far_over = api.upload(b"x" * (2 * 1024 * 1024))  # refused before it is read
    assert far_over.status_code == 413
    assert far_over.headers["content-type"] == "application/problem+json"
    assert "at most 1 MiB" in far_over.json()["detail"]
    assert api.get("/api/v1/imports").json() == []


def test_a_missing_table_answers_503_not_a_traceback(api: Api, world: World) -> None:
    with world.db.write() as conn:
        conn.exec_driver_sql("ALTER TABLE jobs RENAME TO jobs_gone")
    answer = api.get("/api/v1/imports")
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["Retry-After"] and "try again" in answer.json()["detail"]


def test_a_job_not_finished_has_no_results_yet(api: Api, world: World) -> None:
    job_id = jobs.submit_import(
        world.db, world.admin, "later.csv", csv_bytes([row()]), ImportOptions(), world.settings
    )
    job = api.get(f"/api/v1/imports/{job_id}").json()
    assert (job["status"], job["summary"], job["results_url"]) == ("queued", None, None)
    response = api.get(f"/api/v1/imports/{job_id}/results")
    assert response.status_code == 409 and "still queued" in response.json()["detail"]


def test_past_imports_newest_first_admins_see_all_users_their_own(api: Api) -> None:
    first = job_of(api.upload(csv_bytes([row()]), name="one.csv"))
    second = job_of(api.as_("seller").upload(csv_bytes([row()]), name="two.csv"))
    listed = [j["id"] for j in api.get("/api/v1/imports").json()]
    assert set(listed) == {first["id"], second["id"]}
    assert [j["id"] for j in api.get("/api/v1/imports", params={"limit": 1}).json()] == [listed[0]]
    own = api.as_("seller").get("/api/v1/imports").json()
    assert [j["id"] for j in own] == [second["id"]]
    assert api.as_("seller").get(f"/api/v1/imports/{first['id']}").status_code == 404
    assert api.get(f"/api/v1/imports/{second['id']}").status_code == 200


# ------------------------------------------------------------------ exports
def test_export_runs_as_a_job_with_filters_and_gives_the_file(api: Api) -> None:
    api.create(country="NL")
    api.create(country="US")
    job = job_of(
        api.post("/api/v1/exports", json={"filters": {"country": ["nl"]}, "format": "csv"})
    )
    assert (job["kind"], job["status"]) == ("export", "completed")
    assert job["summary"]["rows"] == 1 and job["summary"]["message"] == "1 exported"
    assert job["options"]["filters"]["country"] == ["NL"]
    file = api.get(job["file_url"])
    assert file.status_code == 200 and file.headers["content-type"].startswith("text/csv")
    assert file.headers["content-disposition"].startswith('attachment; filename="referrals-')
    [line] = csv_rows(file.content)
    assert line["Customer Country"] == "NL" and line["Errors"] == ""
    assert api.get(f"/api/v1/exports/{job['id']}").json() == job
    assert [j["id"] for j in api.get("/api/v1/exports").json()] == [job["id"]]


def test_export_in_xlsx_with_dutch_headers(api: Api) -> None:
    api.create()
    job = job_of(api.post("/api/v1/exports", json={"format": "xlsx", "lang": "nl"}))
    file = api.get(job["file_url"])
    assert file.headers["content-type"] == XLSX and file.content.startswith(b"PK")


@pytest.mark.parametrize(
    ("request_body", "status"),
    [
        ({"lang": "klingon"}, 400),
        ({"delimiter": "|"}, 422),
        ({"format": "pdf"}, 422),
        ({"filters": {"search": "ab"}}, 422),
        ({"filters": {"status": ["Open"]}}, 422),
        ({"colour": "blue"}, 422),
    ],
    ids=["lang", "delimiter", "format", "search", "status", "unknown"],
)
def test_export_refuses_bad_options(api: Api, request_body: dict[str, Any], status: int) -> None:
    response = api.post("/api/v1/exports", json=request_body)
    assert response.status_code == status and response.json()["detail"]
    assert api.get("/api/v1/exports").json() == []


def test_a_referrals_user_exports_only_their_deals_and_sees_only_their_exports(
    api: Api,
) -> None:
    api.as_("seller").create(deal_name="Mine")
    team = [{"first_name": "Ada", "last_name": "Admin", "email": "admin@org-a.example"}]
    api.create(deal_name="Not mine", team_members=team)
    mine = job_of(api.as_("seller").post("/api/v1/exports", json={}))
    names = [r["Deal Name"] for r in csv_rows(api.as_("seller").get(mine["file_url"]).content)]
    assert names == ["Mine"]
    admins = job_of(api.post("/api/v1/exports", json={}))
    assert api.as_("seller").get(f"/api/v1/exports/{admins['id']}").status_code == 404
    assert api.as_("seller").get(f"/api/v1/exports/{admins['id']}/file").status_code == 404
    assert [j["id"] for j in api.as_("seller").get("/api/v1/exports").json()] == [mine["id"]]
    assert len(api.get("/api/v1/exports").json()) == 2


# ------------------------------------------------------------------ template
@pytest.mark.parametrize(
    ("params", "name", "first"),
    [
        ({}, "cosell-template.csv", "Errors"),
        ({"format": "csv", "lang": "nl"}, "cosell-template-nl.csv", None),
        ({"format": "xlsx"}, "cosell-template.xlsx", None),
    ],
)
def test_template_downloads(api: Api, params: dict[str, str], name: str, first: str | None) -> None:
    response = api.get("/api/v1/template", params=params)
    assert response.status_code == 200
    assert f'filename="{name}"' in response.headers["content-disposition"]
    if first:
        header = response.content.decode("utf-8-sig").split("\r\n")[0].split(",")
        assert header[0] == first and "Team member 1" in header


def test_template_in_an_unknown_language_is_a_bad_request(api: Api) -> None:
    response = api.get("/api/v1/template", params={"lang": "xx"})
    assert response.status_code == 400 and "Unknown language" in response.json()["detail"]
