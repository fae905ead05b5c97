"""Authentication of the API: bearer tokens, or the session cookie with a CSRF header."""

from __future__ import annotations

import pytest

from cosell.web.security import COOKIE, _serializer
from tests.api.client import OPERATIONS, Api, body
from tests.support import World


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("token", [None, "cs_not-a-token"], ids=["none", "bad"])
def test_every_endpoint_needs_a_valid_token(
    module_api: Api, method: str, path: str, token: str | None
) -> None:
    url = path.replace("{referral_id}", "x").replace("{job_id}", "x")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = module_api.as_("anonymous").request(method, url, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] in ("sign in first", "the API token is not valid")


def test_a_deactivated_users_token_stops_working(api: Api, world: World) -> None:
    from cosell.store import accounts

    with world.db.write() as conn:
        accounts.set_user(conn, world.seller.org_id, world.seller.user_id or 0, is_active=False)
    response = api.as_("seller").get("/api/v1/referrals")
    assert response.status_code == 401


def signed_in(api: Api, world: World, csrf: str = "the-csrf-token") -> Api:
    """The browser's way in: a session cookie (as the sign-in page sets it), no token."""
    cookie = _serializer(api.app.state.ctx).dumps({"uid": world.admin.user_id, "csrf": csrf})
    api.client.cookies.set(COOKIE, cookie)
    return api.as_("anonymous")


def test_a_session_reads_without_csrf_but_must_send_it_to_change(api: Api, world: World) -> None:
    browser = signed_in(api, world)
    assert browser.get("/api/v1/referrals").status_code == 200
    refused = browser.post("/api/v1/referrals", json=body())
    assert refused.status_code == 403
    assert "did not come from this site" in refused.json()["detail"]
    wrong = browser.post("/api/v1/referrals", json=body(), headers={"X-CSRF-Token": "guessed"})
    assert wrong.status_code == 403
    made = browser.post(
        "/api/v1/referrals", json=body(), headers={"X-CSRF-Token": "the-csrf-token"}
    )
    assert made.status_code == 201
    rid = made.json()["id"]
    for method, url in (("PUT", f"/api/v1/referrals/{rid}/favorite"), ("POST", "/api/v1/exports")):
        assert browser.request(method, url, json={}).status_code == 403
    patch = browser.patch(
        f"/api/v1/referrals/{rid}", json={"notes": "x"}, headers={"If-Match": "1"}
    )
    assert patch.status_code == 403


def test_a_forged_session_cookie_is_not_a_session(api: Api) -> None:
    api.client.cookies.set(COOKIE, "eyJ1aWQiOjF9.forged.signature")
    assert api.as_("anonymous").get("/api/v1/referrals").status_code == 401


def test_openapi_documents_every_operation_and_bearer_auth(api: Api) -> None:
    spec = api.as_("anonymous").get("/api/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    create = spec["paths"]["/api/v1/referrals"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]
    assert spec["components"]["schemas"]["ReferralCreate"]["examples"]
    assert {"401", "422"} <= set(create["responses"])
    docs = api.as_("anonymous").get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
