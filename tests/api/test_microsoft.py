"""The integration token (the Microsoft side): Incoming referrals and Microsoft status."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.client import Api, body
from tests.support import csv_bytes, row


def incoming(**changes: Any) -> dict[str, Any]:
    """What Microsoft sends: no partner status, no team."""
    data = body(**changes)
    for name in ("status", "substatus", "team_members"):
        if name not in changes:
            del data[name]
    return data


def test_microsoft_creates_incoming_referrals_new_pending_without_a_team(api: Api) -> None:
    ms = api.as_("microsoft")
    response = ms.post("/api/v1/referrals", json=incoming())
    assert response.status_code == 201, response.text
    data = response.json()
    assert (data["direction"], data["status"], data["substatus"]) == (
        "Incoming",
        "New",
        "Pending",
    )
    assert data["ms_status"] == "Pending" and data["team_members"] == []
    inbound = api.get("/api/v1/referrals", params={"tab": "inbound"}).json()
    assert [i["id"] for i in inbound["items"]] == [data["id"]]
    # No team yet: only admins see it.
    assert api.as_("seller").get(f"/api/v1/referrals/{data['id']}").status_code == 404
    [entry] = api.get(f"/api/v1/referrals/{data['id']}/history").json()
    assert (entry["action"], entry["source"], entry["user_id"]) == ("created", "api", None)


def test_microsoft_may_send_received_a_team_and_its_status(api: Api) -> None:
    response = api.as_("microsoft").post(
        "/api/v1/referrals",
        json=body(status="New", substatus="Received", ms_status="accepted", direction="Incoming"),
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert (data["substatus"], data["ms_status"]) == ("Received", "Accepted")
    assert api.as_("seller").get(f"/api/v1/referrals/{data['id']}").status_code == 200


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"status": "Active", "substatus": "Accepted"},
            "Partner Referral Substatus",
            "an incoming referral is created as New with substatus Pending or Received, "
            "not Active/Accepted",
        ),
        (
            {"reason": 2},
            "Declined/Lost reason",
            "the reason applies only when the substatus is Declined, Lost or Error, not Pending",
        ),
        ({"ms_status": "Maybe"}, "Microsoft Referral Status", '"Maybe" is not valid, expected'),
        ({"consent": False}, "Consent to share Customer/Partner contact", "must be Yes"),
    ],
    ids=["status", "reason", "ms-status", "consent"],
)
def test_incoming_rules(api: Api, changes: dict[str, Any], column: str, message: str) -> None:
    response = api.as_("microsoft").post("/api/v1/referrals", json=incoming(**changes))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["column"] == column and error["message"].startswith(message)


def test_microsoft_creates_incoming_only(api: Api) -> None:
    response = api.as_("microsoft").post("/api/v1/referrals", json=body(direction="Outgoing"))
    assert response.status_code == 403
    assert response.json()["detail"] == "the integration token creates Incoming referrals only"


def test_microsoft_sets_only_its_status_also_on_a_closed_deal(api: Api) -> None:
    created = api.create()
    rid = created["id"]
    won = api.patch(
        f"/api/v1/referrals/{rid}",
        json={"status": "Closed", "substatus": "Won"},
        headers={"If-Match": '"1"'},
    )
    assert won.status_code == 200
    ms = api.as_("microsoft")
    response = ms.patch(
        f"/api/v1/referrals/{rid}", json={"ms_status": "Won"}, headers={"If-Match": '"2"'}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["ms_status"], response.json()["version"]) == ("Won", 3)
    history = api.get(f"/api/v1/referrals/{rid}/history").json()
    assert history[0]["changes"] == {"Microsoft Referral Status": [None, "Won"]}
    refused = ms.patch(
        f"/api/v1/referrals/{rid}",
        json={"ms_status": "Lost", "notes": "x", "team_members": []},
        headers={"If-Match": '"3"'},
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["notes", "team_members"]
    assert "can set only Microsoft Referral Status" in refused.json()["errors"][0]["message"]


def test_a_partner_accepts_an_incoming_referral_and_adds_the_team(api: Api) -> None:
    created = api.as_("microsoft").post("/api/v1/referrals", json=incoming()).json()
    team = [{"first_name": "Bob", "last_name": "Partner", "email": "seller@org-a.example"}]
    response = api.patch(
        f"/api/v1/referrals/{created['id']}",
        json={"status": "Active", "substatus": "Accepted", "team_members": team},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert api.as_("seller").get(f"/api/v1/referrals/{created['id']}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("PUT", "/api/v1/referrals/{id}/favorite", {}),
        ("POST", "/api/v1/imports", {"files": {"file": ("d.csv", csv_bytes([row()]))}}),
        ("GET", "/api/v1/imports", {}),
        ("POST", "/api/v1/exports", {"json": {}}),
        ("GET", "/api/v1/exports", {}),
    ],
    ids=["favorite", "upload", "imports", "export", "exports"],
)
def test_the_integration_token_has_no_favorites_or_files(
    api: Api, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    rid = api.create()["id"]
    response = api.as_("microsoft").request(method, path.format(id=rid), **kwargs)
    assert response.status_code == 403
    assert "integration token cannot" in response.json()["detail"]
