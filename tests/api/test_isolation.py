"""Tenant isolation: nothing of one organization reaches another, and a Referrals user
sees only the deals that list them. Every endpoint, every way in.

An id of another organization (or of a deal the user is not on) gets exactly the
"not found" of an id that does not exist, so ids reveal nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.client import Api, csv_rows
from tests.support import ADMIN, csv_bytes, row

NOWHERE = "00000000-0000-4000-8000-000000000000"
ADMIN_ONLY_TEAM = [{"first_name": "Ada", "last_name": "Admin", "email": ADMIN}]


@dataclass
class Org:
    referral: dict[str, Any]
    import_job: str
    export_job: str


@dataclass
class Worlds:
    a: Org
    b: Org
    #: of organization A, not listing the seller
    admins_only: dict[str, Any]
    #: of organization A, the seller's own jobs
    seller_import: str
    seller_export: str


def _org(api: Api, deal_name: str, **changes: Any) -> Org:
    referral = api.create(deal_name=deal_name, crm_id=f"CRM-{deal_name}", **changes)
    upload = api.upload(csv_bytes([row(Deal_Name=f"{deal_name} file")]))
    export = api.post("/api/v1/exports", json={})
    assert upload.status_code == export.status_code == 202
    return Org(referral, upload.json()["id"], export.json()["id"])


def _worlds(api: Api) -> Worlds:
    a = _org(api, "Secret Alpha")
    # A favorite of A's admin: a list or tab of another user must not reveal it.
    assert api.put(f"/api/v1/referrals/{a.referral['id']}/favorite").status_code == 204
    a.referral = api.get(f"/api/v1/referrals/{a.referral['id']}").json()
    b = _org(api.as_("other"), "Secret Bravo")
    admins_only = api.create(deal_name="Admins Only", team_members=ADMIN_ONLY_TEAM)
    seller = api.as_("seller")
    seller_import = seller.upload(csv_bytes([row(Deal_Name="Seller file")])).json()["id"]
    seller_export = seller.post("/api/v1/exports", json={}).json()["id"]
    return Worlds(a, b, admins_only, seller_import, seller_export)


@pytest.fixture
def worlds(api: Api) -> Worlds:
    """Two fresh organizations, for tests that write."""
    return _worlds(api)


@pytest.fixture(scope="module")
def shared(module_api: Api) -> tuple[Api, Worlds]:
    """Two organizations built once for the read-only checks below (each check asserts
    that nothing changed, so they cannot disturb one another)."""
    return module_api, _worlds(module_api)


REFERRAL_ENDPOINTS = [
    ("GET", "/api/v1/referrals/{id}", {}),
    ("PATCH", "/api/v1/referrals/{id}", {"json": {"notes": "x"}, "headers": {"If-Match": "*"}}),
    ("PUT", "/api/v1/referrals/{id}/favorite", {}),
    ("DELETE", "/api/v1/referrals/{id}/favorite", {}),
    ("GET", "/api/v1/referrals/{id}/history", {}),
]
JOB_ENDPOINTS = [
    ("GET", "/api/v1/imports/{import_job}", {}),
    ("GET", "/api/v1/imports/{import_job}/results", {}),
    ("GET", "/api/v1/imports/{import_job}/results", {"params": {"format": "xlsx"}}),
    ("GET", "/api/v1/exports/{export_job}", {}),
    ("GET", "/api/v1/exports/{export_job}/file", {}),
]
ENDPOINTS = REFERRAL_ENDPOINTS + JOB_ENDPOINTS
IDS = [f"{m} {p}{'?' + str(k['params']) if 'params' in k else ''}" for m, p, k in ENDPOINTS]


def call(api: Api, method: str, template: str, kwargs: dict[str, Any], **ids: str) -> Any:
    return api.request(method, template.format(**ids), **kwargs)


def assert_same_as_missing(
    api: Api, method: str, template: str, kwargs: dict[str, Any], real: dict[str, str]
) -> None:
    """The answer for a real foreign id is the answer for an id that does not exist."""
    response = call(api, method, template, kwargs, **real)
    missing = call(api, method, template, kwargs, **dict.fromkeys(real, NOWHERE))
    assert response.status_code == missing.status_code
    assert response.status_code in (403, 404), response.text
    if response.status_code == 404:
        text = response.json()["detail"]
        for value in real.values():
            text = text.replace(value, NOWHERE)
        assert text == missing.json()["detail"]


def ids_of(org: Org) -> dict[str, str]:
    return {"id": org.referral["id"], "import_job": org.import_job, "export_job": org.export_job}


@pytest.mark.parametrize(("method", "template", "kwargs"), ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("intruder", ["other", "other_microsoft"])
def test_another_organization_gets_not_found(
    shared: tuple[Api, Worlds], method: str, template: str, kwargs: dict[str, Any], intruder: str
) -> None:
    api, worlds = shared
    assert_same_as_missing(api.as_(intruder), method, template, kwargs, ids_of(worlds.a))
    # …and organization A gets nothing of B.
    assert_same_as_missing(api, method, template, kwargs, ids_of(worlds.b))
    untouched = api.get(f"/api/v1/referrals/{worlds.a.referral['id']}").json()
    assert untouched == worlds.a.referral


@pytest.mark.parametrize(("method", "template", "kwargs"), REFERRAL_ENDPOINTS, ids=IDS[:5])
def test_a_referrals_user_gets_not_found_for_deals_they_are_not_on(
    shared: tuple[Api, Worlds], method: str, template: str, kwargs: dict[str, Any]
) -> None:
    api, worlds = shared
    real = {"id": worlds.admins_only["id"]}
    assert_same_as_missing(api.as_("seller"), method, template, kwargs, real)
    assert api.get(f"/api/v1/referrals/{real['id']}").json() == worlds.admins_only


@pytest.mark.parametrize(("method", "template", "kwargs"), JOB_ENDPOINTS, ids=IDS[5:])
def test_a_referrals_user_gets_not_found_for_other_peoples_jobs(
    shared: tuple[Api, Worlds], method: str, template: str, kwargs: dict[str, Any]
) -> None:
    api, worlds = shared
    assert_same_as_missing(api.as_("seller"), method, template, kwargs, ids_of(worlds.a))
    own = {"id": NOWHERE, "import_job": worlds.seller_import, "export_job": worlds.seller_export}
    assert call(api.as_("seller"), method, template, kwargs, **own).status_code == 200
    # An admin sees the organization's jobs, the seller's included.
    assert call(api, method, template, kwargs, **own).status_code == 200


LISTS = [
    ("/api/v1/referrals", {}),
    ("/api/v1/referrals", {"tab": "outbound"}),
    ("/api/v1/referrals", {"tab": "favorites"}),
    ("/api/v1/referrals", {"search": "Secret"}),
    ("/api/v1/referrals", {"search": "CRM-Secret"}),
    ("/api/v1/referrals", {"team_email": ADMIN}),
    ("/api/v1/referrals", {"solution_id": "SOL-1234-PQRS"}),
    ("/api/v1/imports", {}),
    ("/api/v1/exports", {}),
]


@pytest.mark.parametrize(("path", "params"), LISTS, ids=[f"{p} {q}" for p, q in LISTS])
def test_lists_show_only_the_callers_organization(
    shared: tuple[Api, Worlds], path: str, params: dict[str, Any]
) -> None:
    api, worlds = shared
    seen_by_b = api.as_("other").get(path, params=params).text
    foreign = [worlds.a.referral["id"], worlds.a.import_job, worlds.a.export_job, "Alpha"]
    foreign += [worlds.admins_only["id"], worlds.seller_import, worlds.seller_export]
    assert not [value for value in foreign if value in seen_by_b]
    seen_by_seller = api.as_("seller").get(path, params=params).text
    hidden = [worlds.admins_only["id"], "Admins Only", worlds.a.import_job, worlds.a.export_job]
    hidden += [worlds.b.referral["id"], worlds.b.import_job, "Bravo"]
    assert not [value for value in hidden if value in seen_by_seller]


def test_searching_another_organizations_referral_id_finds_nothing(
    shared: tuple[Api, Worlds],
) -> None:
    api, worlds = shared
    found = api.as_("other").get("/api/v1/referrals", params={"search": worlds.a.referral["id"]})
    assert found.json()["total"] == 0
    found = api.as_("seller").get("/api/v1/referrals", params={"search": worlds.admins_only["id"]})
    assert found.json()["total"] == 0


def test_exports_hold_only_what_the_caller_sees(api: Api, worlds: Worlds) -> None:
    for who, wanted in (
        ("other", {"Secret Bravo", "Secret Bravo file"}),
        ("seller", {"Secret Alpha", "Secret Alpha file", "Seller file"}),
        ("admin", {"Secret Alpha", "Secret Alpha file", "Admins Only", "Seller file"}),
    ):
        job = api.as_(who).post("/api/v1/exports", json={}).json()
        file = api.as_(who).get(job["file_url"])
        assert {r["Deal Name"] for r in csv_rows(file.content)} == wanted, who


@pytest.mark.parametrize(
    ("who", "target"), [("other", "a"), ("seller", "admins_only")], ids=["other-org", "seller"]
)
def test_an_import_cannot_reach_what_the_caller_cannot_see(
    api: Api, worlds: Worlds, who: str, target: str
) -> None:
    referral = worlds.a.referral if target == "a" else worlds.admins_only
    rid = referral["id"]
    data = csv_bytes([{"Referral ID": rid, "Notes": "overwritten"}])
    job = api.as_(who).upload(data).json()
    assert job["summary"]["failures"] == [
        {"row": 2, "errors": [f"Referral ID: Referral ID {rid} was not found"]}
    ]
    by_crm = csv_bytes([row(CRM_ID=referral["crm_id"], Notes="overwritten")])
    job = api.as_(who).upload(by_crm, match="crm-id").json()
    assert job["summary"]["updated"] == 0
    assert api.get(f"/api/v1/referrals/{rid}").json()["version"] == referral["version"]


def test_the_integration_token_stays_in_its_organization(api: Api, worlds: Worlds) -> None:
    ms_b = api.as_("other_microsoft")
    seen = ms_b.get("/api/v1/referrals").json()
    assert seen == api.as_("other").get("/api/v1/referrals").json()
    assert worlds.b.referral["id"] in {i["id"] for i in seen["items"]}
    created = ms_b.post(
        "/api/v1/referrals",
        json={k: v for k, v in worlds.a.referral.items() if k in _CREATE_FIELDS},
    )
    assert created.status_code == 201, created.text
    assert api.get(f"/api/v1/referrals/{created.json()['id']}").status_code == 404


_CREATE_FIELDS = {
    "deal_name",
    "customer_name",
    "address_1",
    "city",
    "country",
    "deal_value",
    "currency",
    "close_date",
    "help_required",
    "share_with_ms",
    "consent",
    "solutions",
}
