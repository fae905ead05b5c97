"""Tokens that can be revoked, and the integration token kept to the API."""

from __future__ import annotations

from cosell.services import accounts
from tests.api.client import Api
from tests.api.test_microsoft import incoming
from tests.support import ADMIN, SELLER, World

PAGES = (
    "/",
    "/?tab=inbound",
    "/admin/users",
    "/admin/solutions",
    "/referrals/{rid}",
    "/imports",
    "/imports/template",
    "/imports/card",
    "/exports",
    "/exports/notice",
)


def test_the_integration_token_gets_403_on_every_page(api: Api) -> None:
    made = api.as_("microsoft").post("/api/v1/referrals", json=incoming())
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    microsoft = api.as_("microsoft")
    for path in PAGES:
        answer = microsoft.get(path.format(rid=rid), follow_redirects=False)
        assert answer.status_code == 403, path
        assert ADMIN not in answer.text and SELLER not in answer.text, path
    token = microsoft.tokens["microsoft"]
    for path in ("/admin/users", "/sign-out", "/exports"):
        answer = microsoft.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        assert answer.status_code in (401, 403), path
    # the API itself still answers it
    assert microsoft.get(f"/api/v1/referrals/{rid}").status_code == 200
    assert token


def test_a_revoked_token_stops_at_the_next_request(api: Api, world: World) -> None:
    seller = api.as_("seller")
    assert seller.get("/api/v1/referrals").status_code == 200
    revoked = accounts.revoke_tokens(world.db, user_email=SELLER)
    assert revoked == 1
    answer = seller.get("/api/v1/referrals")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "the API token was revoked"
    assert api.as_("admin").get("/api/v1/referrals").status_code == 200


def test_a_revoked_integration_token_stops(api: Api, world: World) -> None:
    listed = accounts.list_tokens(world.db, org_name="Org A")
    integration = [t for t in listed if t.kind == "integration"]
    assert len(integration) == 1 and integration[0].user_email is None
    assert accounts.revoke_tokens(world.db, token_ids=[integration[0].id]) == 1
    answer = api.as_("microsoft").post("/api/v1/referrals", json=incoming())
    assert answer.status_code == 401


def test_deactivation_stops_a_users_tokens_and_revokes_them(api: Api, world: World) -> None:
    seller = api.as_("seller")
    accounts.deactivate_user(world.db, SELLER)
    assert seller.get("/api/v1/referrals").status_code == 401
    accounts.activate_user(world.db, SELLER)
    assert seller.get("/api/v1/referrals").status_code == 401
    fresh = accounts.create_token(world.db, user_email=SELLER)
    headers = {"Authorization": f"Bearer {fresh}"}
    assert api.as_("anonymous").get("/api/v1/referrals", headers=headers).status_code == 200
