"""The API list at scale: `total` with `total_exact`, `has_next`, and keyset paging with
`cursor` / `next_cursor` (documented in the OpenAPI description)."""

from __future__ import annotations

import pytest

from cosell.services import referrals as reading
from tests.api.client import Api


def test_cursor_paging_returns_every_referral_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [api.create(deal_name=f"Cursor deal {i}", deal_value=str(i % 3)) for i in range(7)]
    monkeypatch.setattr(reading, "COUNT_BOUND", 4)
    first = api.get("/api/v1/referrals", params={"size": 3, "sort": "value"}).json()
    assert (first["total"], first["total_exact"], first["has_next"]) == (4, False, True)
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        answer = api.get("/api/v1/referrals", params={"size": 3, "sort": "value", "cursor": cursor})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        assert page["has_next"] == (cursor is not None)
    assert sorted(seen) == sorted(r["id"] for r in made) and len(seen) == 7
    values = [
        (i["deal_value"], i["id"])
        for i in api.get("/api/v1/referrals", params={"size": 10, "sort": "value"}).json()["items"]
    ]
    assert [rid for _, rid in values] == seen


def test_a_bad_cursor_is_a_bad_request(api: Api) -> None:
    api.create()
    api.create(deal_name="Second deal")
    first = api.get("/api/v1/referrals", params={"size": 1}).json()
    other_sort = api.get(
        "/api/v1/referrals", params={"size": 1, "sort": "value", "cursor": first["next_cursor"]}
    )
    assert other_sort.status_code == 400 and "sort order" in other_sort.json()["detail"]
    made_up = api.get("/api/v1/referrals", params={"cursor": "bm9wZQ"})
    assert made_up.status_code == 400 and ";" not in made_up.json()["detail"]


def test_the_openapi_description_documents_the_paging(api: Api) -> None:
    spec = api.get("/api/openapi.json").json()
    page = spec["components"]["schemas"]["ReferralPage"]["properties"]
    assert {"total", "total_exact", "has_next", "next_cursor"} <= set(page)
    params = {p["name"] for p in spec["paths"]["/api/v1/referrals"]["get"]["parameters"]}
    assert "cursor" in params
