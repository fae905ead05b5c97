"""POST /api/v1/imports/{id}/undo: 200 with the result, 404 unseen, 409 refused."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.api.client import Api, csv_rows
from tests.support import World, csv_bytes, row

KEYS = {"job_id", "status", "dry_run", "removed", "restored", "skipped", "conflicts"}


def imported(api: Api, who: str = "admin", **form: str) -> str:
    answer = api.as_(who).upload(csv_bytes([row()]), **form)
    assert answer.status_code == 202, answer.text
    job_id: str = answer.json()["id"]
    return job_id


def undo_url(job_id: str) -> str:
    return f"/api/v1/imports/{job_id}/undo"


def test_undo_answers_200_with_the_result(api: Api):
    job_id = imported(api)
    answer = api.as_("admin").post(undo_url(job_id))
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert set(result) == KEYS
    assert (result["status"], result["dry_run"], result["removed"]) == ("completed", False, 1)
    assert api.get("/api/v1/referrals").json()["total"] == 0
    assert api.get(f"/api/v1/imports/{job_id}").json()["undone_by"] == result["job_id"]


@pytest.mark.parametrize(
    "how", [{"json": {"dry_run": True}}, {"data": {"dry_run": "true"}}, {"data": {"dry_run": "1"}}]
)
def test_a_dry_run_by_json_or_form_changes_nothing(api: Api, how):
    job_id = imported(api)
    answer = api.as_("admin").post(undo_url(job_id), **how)
    assert answer.status_code == 200, answer.text
    assert answer.json()["dry_run"] is True and answer.json()["removed"] == 1
    assert api.get("/api/v1/referrals").json()["total"] == 1
    real = api.post(undo_url(job_id), json={"dry_run": False})
    assert real.status_code == 200 and real.json()["dry_run"] is False


def test_a_deal_changed_later_is_reported_as_a_conflict(api: Api):
    created = api.as_("admin").upload(csv_bytes([row()])).json()["id"]
    [result_row] = csv_rows(api.get(f"/api/v1/imports/{created}/results").content)
    rid = result_row["Referral ID"]
    updated = api.upload(csv_bytes([{"Referral ID": rid, "Notes": "x"}])).json()["id"]
    current = api.get(f"/api/v1/referrals/{rid}")
    api.patch(
        f"/api/v1/referrals/{rid}",
        json={"deal_name": "Later"},
        headers={"If-Match": current.headers["etag"]},
    )
    answer = api.post(undo_url(updated))
    assert answer.status_code == 200
    [conflict] = answer.json()["conflicts"]
    assert conflict["referral_id"] == rid and conflict["fields"] == ["Deal Name"]
    assert conflict["changed_by"] == "admin@org-a.example" and conflict["changed_at"]
    assert answer.json()["skipped"] == 1


@pytest.mark.parametrize("who", ["other", "seller"])
def test_jobs_of_others_and_unknown_ids_are_404(api: Api, who: str):
    job_id = imported(api)
    answer = api.as_(who).post(undo_url(job_id))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == f"Import job {job_id} was not found"
    assert api.as_("admin").post(undo_url("no-such-job")).status_code == 404
    assert api.as_("admin").get("/api/v1/referrals").json()["total"] == 1


def test_refusals_are_409_problems(api: Api, world: World):
    done = imported(api)
    assert api.as_("admin").post(undo_url(done)).status_code == 200
    export_id = api.post("/api/v1/exports", json={}).json()["id"]
    old = imported(api)
    with world.db.write() as conn:
        conn.execute(
            text("UPDATE referral_history SET version = NULL WHERE job_id = :i"), {"i": old}
        )
    for job_id, message in (
        (done, "already undone"),
        (export_id, "is an export, not an import"),
        (imported(api, dry_run="true"), "was a dry run"),
        (old, "made before imports could be undone"),
    ):
        answer = api.post(undo_url(job_id))
        assert answer.status_code == 409, (message, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert message in answer.json()["detail"]


def test_a_bad_body_is_422(api: Api):
    job_id = imported(api)
    for how in ({"json": {"dry_run": "maybe"}}, {"json": [1]}, {"data": {"dry_run": "perhaps"}}):
        answer = api.as_("admin").post(undo_url(job_id), **how)
        assert answer.status_code == 422, answer.text
        assert "dry_run" in answer.json()["detail"] or "body" in answer.json()["detail"]
    assert api.get("/api/v1/referrals").json()["total"] == 1


def test_the_undo_job_does_not_show_among_imports(api: Api):
    job_id = imported(api)
    undo_id = api.as_("admin").post(undo_url(job_id)).json()["job_id"]
    assert [j["id"] for j in api.get("/api/v1/imports").json()] == [job_id]
    assert api.get(f"/api/v1/imports/{undo_id}").status_code == 404
    assert api.get("/api/v1/exports").json() == []


def test_the_integration_token_may_not_undo(api: Api):
    job_id = imported(api)
    assert api.as_("microsoft").post(undo_url(job_id)).status_code == 403


def test_the_undo_is_documented(api: Api):
    spec = api.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/imports/{job_id}/undo"]["post"]
    assert set(operation["responses"]) >= {"200", "403", "404", "409", "422"}
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
