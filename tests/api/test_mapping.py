"""The API's column mappings (issue 10 §3): profiles, and imports with a mapping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.client import Api, csv_rows
from tests.crm import ORG_VALUES, SAMPLES


def completed(response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert job["status"] == "completed", job
    return job


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_each_crm_sample_with_its_profile(api: Api, key):
    sample = SAMPLES[key]
    job = completed(
        api.upload(
            sample.path.read_bytes(),
            name=sample.file,
            mapping_profile=key,
            mapping=json.dumps(ORG_VALUES),
        )
    )
    summary = job["summary"]
    assert (summary["rows"], summary["created"], summary["failed"]) == (
        sample.rows,
        sample.created,
        sample.failed,
    )
    failures = {f["row"]: f["errors"] for f in summary["failures"]}
    for number, reason in sample.failures.items():
        assert any(reason in e for e in failures[number]), failures[number]
    assert job["options"]["mapping_profile"] == key
    results = csv_rows(api.get(job["results_url"]).content)
    assert list(results[0])[1] == next(iter(csv_rows(sample.path.read_bytes())[0]))


def test_profiles_are_listed_saved_replaced_and_deleted(api: Api):
    listed = api.get("/api/v1/mapping-profiles").json()
    assert [p["name"] for p in listed] == [
        "Dynamics 365 Sales opportunities",
        "HubSpot deals",
        "Salesforce opportunities",
    ]
    assert all(p["builtin"] for p in listed)
    hubspot = api.get("/api/v1/mapping-profiles/hubspot%20DEALS").json()
    assert hubspot["mapping"]["columns"]["Deal Name"] == "Deal Name"
    mapping = hubspot["mapping"]
    mapping["values"].update(ORG_VALUES["values"])
    put = api.put("/api/v1/mapping-profiles/Our HubSpot", json=mapping)
    assert put.status_code == 201, put.text
    assert api.put("/api/v1/mapping-profiles/our hubspot", json=mapping).status_code == 200
    seller = api.as_("seller")
    # Replaced under the name as last written.
    assert [p["name"] for p in seller.get("/api/v1/mapping-profiles").json()][-1] == "our hubspot"
    refused = seller.put("/api/v1/mapping-profiles/Our HubSpot", json=mapping)
    assert refused.status_code == 403
    assert "only a Referrals admin may replace it" in refused.json()["detail"]
    job = completed(api.upload(SAMPLES["hubspot"].path.read_bytes(), mapping_profile="Our HubSpot"))
    assert job["summary"]["created"] == SAMPLES["hubspot"].created
    assert api.delete("/api/v1/mapping-profiles/Our HubSpot").status_code == 204
    assert api.get("/api/v1/mapping-profiles/Our HubSpot").status_code == 404
    assert api.delete("/api/v1/mapping-profiles/HubSpot deals").status_code == 400


def test_a_profile_is_not_seen_by_another_organization(api: Api):
    body = {"columns": {"Name": "Deal Name"}}
    assert api.put("/api/v1/mapping-profiles/Mine", json=body).status_code == 201
    other = api.as_("other")
    assert other.get("/api/v1/mapping-profiles/Mine").status_code == 404
    assert other.delete("/api/v1/mapping-profiles/Mine").status_code == 404


def test_a_mapping_that_cannot_be_used_is_a_problem_and_stores_nothing(api: Api):
    bad = api.put("/api/v1/mapping-profiles/Bad", json={"columns": {"A": "Deal Nam"}})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert '"Deal Nam" is not one of our columns' in bad.json()["detail"]
    extra = api.put("/api/v1/mapping-profiles/Bad", json={"colour": {}})
    assert extra.status_code == 422
    upload = api.upload(SAMPLES["salesforce"].path.read_bytes(), mapping="{not json")
    assert upload.status_code == 400
    assert "it is not JSON (line 1" in upload.json()["detail"]
    assert api.get("/api/v1/imports").json() == []
