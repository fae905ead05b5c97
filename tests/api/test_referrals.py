"""/api/v1/referrals: list, get, create, PATCH with If-Match, favorites, history."""

from __future__ import annotations

import pytest

from tests.api.client import VALID, Api, body
from tests.support import ADMIN, SELLER, World, csv_bytes, row, run_import

PROBLEM = "application/problem+json"


def url(rid: str, rest: str = "") -> str:
    return f"/api/v1/referrals/{rid}{rest}"


def change(api: Api, rid: str, version: int | str = 1, **fields: object):
    return api.patch(url(rid), json=fields, headers={"If-Match": f'"{version}"'})


# ------------------------------------------------------------------ create
def test_create_answers_201_with_location_etag_and_canonical_values(api: Api) -> None:
    response = api.post("/api/v1/referrals", json=body())
    assert response.status_code == 201
    data = response.json()
    assert response.headers["Location"] == f"/api/v1/referrals/{data['id']}"
    assert response.headers["ETag"] == '"1"'
    assert (data["direction"], data["status"], data["substatus"]) == (
        "Outgoing",
        "Active",
        "Accepted",
    )
    assert data["deal_value"] == "12563.50" and data["close_date"] == "2027-01-30"
    assert data["solutions"] == [
        {"solution_id": "SOL-1234-PQRS", "currency": "USD", "price": "10.00", "quantity": 100}
    ]
    assert data["team_members"][0]["email"] == SELLER
    assert data["version"] == 1 and data["created_at"].endswith("Z")


def test_create_accepts_what_a_file_accepts(api: Api) -> None:
    data = api.create(
        deal_value=12563.5,
        close_date="1/30/2027",
        help_required="No",
        share_with_ms="yes",
        consent="Y",
        country="USA",
        sales_stage="Qualified",
    )
    assert (data["deal_value"], data["close_date"], data["country"]) == (
        "12563.50",
        "2027-01-30",
        "US",
    )
    assert (data["share_with_ms"], data["sales_stage"]) == (True, 20)


def test_create_errors_are_the_files_errors_naming_field_and_column(api: Api, world: World) -> None:
    bad = {"Customer Country": "XX", "Currency": "EURO", "Deal Name": "", "Solution 1": ""}
    imported = run_import(
        world, world.admin, csv_bytes([row(**{k.replace(" ", "_"): v for k, v in bad.items()})])
    )
    [file_errors] = imported.failures.values()

    response = api.post(
        "/api/v1/referrals",
        json=body(country="XX", currency="EURO", deal_name="", solutions=[]),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["title"] == "Invalid referral"
    api_errors = [f"{e['column']}: {e['message']}" for e in problem["errors"]]
    assert sorted(api_errors) == sorted(file_errors)
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"country", "currency", "deal_name", "solutions[0]"}
    assert "Mandatory field Deal Name missing" in problem["detail"]


def test_create_without_required_fields_names_each_of_them(api: Api) -> None:
    response = api.post("/api/v1/referrals", json={"deal_name": "Only a name"})
    columns = {e["column"] for e in response.json()["errors"]}
    assert response.status_code == 422
    assert {"Customer Name", "Customer Country", "Currency", "Solution 1", "Team member 1"} <= (
        columns
    )


def test_a_referrals_user_must_be_on_the_team_they_create(api: Api) -> None:
    team = [{"first_name": "Al", "last_name": "Other", "email": "al@example.com"}]
    response = api.as_("seller").post("/api/v1/referrals", json=body(team_members=team))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "team_members[0]" and "list you as a team member" in error["message"]
    assert api.as_("seller").post("/api/v1/referrals", json=body()).status_code == 201


def test_lists_are_limited_and_parts_may_not_hold_commas(api: Api) -> None:
    many = [{"solution_id": "SOL-1234-PQRS"}] * 51
    response = api.post("/api/v1/referrals", json=body(solutions=many))
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "at most 50 solutions per deal, 51 given"
    team = [{"first_name": "Bob", "last_name": "Smith, Jr.", "email": SELLER}]
    response = api.post("/api/v1/referrals", json=body(team_members=team))
    assert response.status_code == 422
    assert "expected no commas" in response.json()["errors"][0]["message"]


def test_unknown_fields_and_wrong_types_are_refused(api: Api) -> None:
    response = api.post("/api/v1/referrals", json=body(colour="blue"))
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "body.colour"
    assert api.post("/api/v1/referrals", json=body(deal_name=12)).status_code == 422
    broken = api.post(
        "/api/v1/referrals", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422


def test_partners_cannot_create_incoming_referrals_or_set_microsoft_status(api: Api) -> None:
    response = api.post("/api/v1/referrals", json=body(direction="Incoming"))
    assert response.status_code == 403 and "integration token" in response.json()["detail"]
    response = api.post("/api/v1/referrals", json=body(ms_status="Accepted"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "Microsoft Referral Status"
    assert api.post("/api/v1/referrals", json=body(direction="Outgoing")).status_code == 201


# ------------------------------------------------------------------ get and list
def test_get_returns_the_referral_with_its_etag(api: Api) -> None:
    created = api.create()
    response = api.get(url(created["id"]))
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    assert response.json() == created
    missing = api.get(url("00000000-0000-0000-0000-000000000000"))
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert "was not found" in missing.json()["detail"]


def test_list_filters_sorts_and_pages(api: Api) -> None:
    a = api.create(deal_name="Alpha deal", country="NL", deal_value="100")
    b = api.create(deal_name="Beta deal", country="US", deal_value="300")
    c = api.create(deal_name="Gamma deal", country="NL", deal_value="200", currency="EUR")

    def ids(**params: object) -> list[str]:
        response = api.get("/api/v1/referrals", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(sort="value") == [a["id"], c["id"], b["id"]]
    assert ids(sort="-value") == [b["id"], c["id"], a["id"]]
    assert ids(country=["nl"], sort="deal_name") == [a["id"], c["id"]]
    assert ids(country=["NL", "US"], currency=["eur"]) == [c["id"]]
    assert ids(search="beta") == [b["id"]]
    assert ids(value_min="150", value_max="250") == [c["id"]]
    assert ids(status=["Closed"]) == []
    assert ids(tab="inbound") == [] and len(ids(tab="outbound")) == 3
    assert ids(sales_stage=[40], solution_id="SOL-1234-PQRS", team_email=SELLER.upper())
    page = api.get("/api/v1/referrals", params={"size": 2, "page": 2, "sort": "value"}).json()
    assert (page["total"], page["pages"], page["page"], page["size"]) == (3, 2, 2, 2)
    assert [i["id"] for i in page["items"]] == [b["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"search": "ab"},
        {"country": [f"C{i}" for i in range(51)]},
        {"sort": "colour"},
        {"size": 201},
        {"page": 0},
        {"status": "Open"},
        {"value_min": "-1"},
        {"created_to": "9999-12-31"},
    ],
    ids=["short-search", "51-countries", "sort", "size", "page", "status", "value", "date"],
)
def test_list_refuses_bad_parameters_with_a_problem(api: Api, params: dict[str, object]) -> None:
    response = api.get("/api/v1/referrals", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM and response.json()["detail"]


def test_a_search_of_blanks_is_a_bad_request(api: Api) -> None:
    response = api.get("/api/v1/referrals", params={"search": "   "})
    assert response.status_code == 400
    assert response.json()["detail"] == "search needs at least 3 characters"


# ------------------------------------------------------------------ PATCH
def test_patch_changes_only_given_fields_and_bumps_the_etag(api: Api) -> None:
    created = api.create()
    response = change(api, created["id"], notes="Called the customer", sales_stage=60)
    assert response.status_code == 200, response.text
    data = response.json()
    assert response.headers["ETag"] == '"2"' and data["version"] == 2
    assert (data["notes"], data["sales_stage"]) == ("Called the customer", 60)
    assert data["deal_name"] == created["deal_name"]
    cleared = change(api, created["id"], 2, notes=None, campaign_id="")
    assert cleared.json()["notes"] is None and cleared.json()["version"] == 3


def test_patch_accepts_a_json_merge_patch_body(api: Api) -> None:
    created = api.create()
    response = api.patch(
        url(created["id"]),
        content=b'{"notes": "merged"}',
        headers={"If-Match": '"1"', "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200 and response.json()["notes"] == "merged"


def test_patch_that_changes_nothing_keeps_the_version(api: Api) -> None:
    created = api.create()
    response = change(api, created["id"], deal_name=VALID["deal_name"], country="usa")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"' and response.json() == created


def test_patch_needs_if_match(api: Api) -> None:
    created = api.create()
    response = api.patch(url(created["id"]), json={"notes": "x"})
    assert response.status_code == 428 and response.headers["content-type"] == PROBLEM
    assert "If-Match" in response.json()["detail"]


def test_patch_on_a_stale_version_is_412_and_changes_nothing(api: Api) -> None:
    created = api.create()
    assert change(api, created["id"], 1, notes="first").status_code == 200
    stale = change(api, created["id"], 1, notes="second")
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert "version 2 now, you sent 1" in stale.json()["detail"]
    assert api.get(url(created["id"])).json()["notes"] == "first"


@pytest.mark.parametrize("tag", ["*", 'W/"1"', "1"])
def test_if_match_accepts_star_weak_and_bare_tags(api: Api, tag: str) -> None:
    created = api.create()
    response = api.patch(url(created["id"]), json={"notes": "x"}, headers={"If-Match": tag})
    assert response.status_code == 200


def test_a_malformed_if_match_is_a_bad_request(api: Api) -> None:
    created = api.create()
    response = api.patch(url(created["id"]), json={"notes": "x"}, headers={"If-Match": "abc"})
    assert response.status_code == 400 and "If-Match" in response.json()["detail"]


def test_patch_applies_the_rules_of_an_import_row(api: Api) -> None:
    created = api.create()
    response = change(api, created["id"], country="NL", city="Delft")
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "country": 'cannot change after the deal is created (stored "US", given "NL")',
        "city": 'cannot change after the deal is created (stored "Redmond", given "Delft")',
    }
    missing = change(api, created["id"], deal_name=None)
    assert missing.json()["errors"][0]["message"] == "Mandatory field Deal Name missing"
    assert api.get(url(created["id"])).json()["version"] == 1


def test_winning_a_deal_then_it_is_closed(api: Api) -> None:
    created = api.create()
    won = change(api, created["id"], status="Closed", substatus="Won")
    assert won.status_code == 200 and won.json()["sales_stage"] == 100
    closed = change(api, created["id"], 2, notes="too late")
    assert closed.status_code == 422
    assert "the deal is closed (Won)" in closed.json()["detail"]


def test_partners_cannot_change_the_microsoft_status(api: Api) -> None:
    created = api.create()
    same = change(api, created["id"], ms_status=None)
    assert same.status_code == 200 and same.json()["version"] == 1
    refused = change(api, created["id"], ms_status="Won")
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["column"]) == ("ms_status", "Microsoft Referral Status")
    assert "set by Microsoft only" in error["message"]


def test_patch_replaces_solutions_and_team(api: Api) -> None:
    created = api.create()
    team = [
        {"first_name": "Bob", "last_name": "Partner", "email": SELLER},
        {"first_name": "Ada", "last_name": "Admin", "phone": "+31 6 1234 5678", "email": ADMIN},
    ]
    response = change(
        api, created["id"], solutions=[{"solution_id": "SOL-2001-AZML"}], team_members=team
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert [s["solution_id"] for s in data["solutions"]] == ["SOL-2001-AZML"]
    assert [m["email"] for m in data["team_members"]] == [SELLER, ADMIN]
    unknown = change(api, created["id"], 2, solutions=[{"solution_id": "SOL-0000-NONE"}])
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "solutions[0]"
    emptied = change(api, created["id"], 2, team_members=None)
    assert emptied.json()["errors"][0]["message"] == "Mandatory field Team member 1 missing"


def test_a_referrals_user_cannot_remove_themselves(api: Api) -> None:
    created = api.as_("seller").create()
    team = [{"first_name": "Ada", "last_name": "Admin", "email": ADMIN}]
    response = change(api.as_("seller"), created["id"], team_members=team)
    assert response.status_code == 422
    assert "cannot remove yourself" in response.json()["errors"][0]["message"]


# ------------------------------------------------------------------ favorites and history
def test_favorites_are_per_user(api: Api) -> None:
    created = api.as_("seller").create()
    assert api.put(url(created["id"], "/favorite")).status_code == 204
    assert api.get(url(created["id"])).json()["favorite"] is True
    assert api.as_("seller").get(url(created["id"])).json()["favorite"] is False
    favorites = api.get("/api/v1/referrals", params={"tab": "favorites"}).json()
    assert [i["id"] for i in favorites["items"]] == [created["id"]]
    assert api.delete(url(created["id"], "/favorite")).status_code == 204
    assert api.get(url(created["id"])).json()["favorite"] is False
    assert api.put(url("nope", "/favorite")).status_code == 404


def test_history_lists_changes_newest_first_with_source_api(api: Api, world: World) -> None:
    created = api.create()
    change(api, created["id"], notes="Called")
    response = api.get(url(created["id"], "/history"))
    assert response.status_code == 200
    updated, made = response.json()
    assert (updated["action"], updated["source"], made["action"]) == ("updated", "api", "created")
    assert updated["changes"] == {"Notes": ["This is a sample note", "Called"]}
    assert updated["user_id"] == world.admin.user_id and updated["at"].endswith("Z")
    assert api.get(url("nope", "/history")).status_code == 404
