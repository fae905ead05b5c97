"""A test client of the API that knows the world's users and their tokens."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Mapping
from typing import Any

import httpx
from starlette.exceptions import StarletteDeprecationWarning

from cosell.queue.job_queue import JobQueue
from cosell.services import accounts
from cosell.settings import Settings
from cosell.web.app import create_app
from tests.support import ADMIN, OTHER_ADMIN, SELLER, VALID_BODY, World

with warnings.catch_warnings():
    # Starlette prefers the `httpx2` fork for its test client; plain httpx works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

#: A create body that passes every rule (`tests.support.VALID_BODY`).
VALID = VALID_BODY

#: Every operation of the API, as (method, path template).
OPERATIONS = [
    ("GET", "/api/v1/referrals"),
    ("POST", "/api/v1/referrals"),
    ("GET", "/api/v1/referrals/{referral_id}"),
    ("PATCH", "/api/v1/referrals/{referral_id}"),
    ("PUT", "/api/v1/referrals/{referral_id}/favorite"),
    ("DELETE", "/api/v1/referrals/{referral_id}/favorite"),
    ("GET", "/api/v1/referrals/{referral_id}/history"),
    ("POST", "/api/v1/imports"),
    ("GET", "/api/v1/imports"),
    ("GET", "/api/v1/imports/{job_id}"),
    ("GET", "/api/v1/imports/{job_id}/results"),
    ("POST", "/api/v1/imports/{job_id}/undo"),
    ("POST", "/api/v1/exports"),
    ("GET", "/api/v1/exports"),
    ("GET", "/api/v1/exports/{job_id}"),
    ("GET", "/api/v1/exports/{job_id}/file"),
    ("GET", "/api/v1/template"),
    ("GET", "/api/v1/mapping-profiles"),
    ("GET", "/api/v1/mapping-profiles/{name}"),
    ("PUT", "/api/v1/mapping-profiles/{name}"),
    ("DELETE", "/api/v1/mapping-profiles/{name}"),
]


def body(**changes: Any) -> dict[str, Any]:
    out = dict(VALID)
    out.update(changes)
    return out


class Api:
    """`api.as_("seller").get(...)`: requests with that user's bearer token."""

    def __init__(self, client: TestClient, tokens: Mapping[str, str]) -> None:
        self.client = client
        self.tokens = dict(tokens)
        self.who = "admin"
        self.world: World | None = None

    def as_(self, who: str) -> Api:
        other = Api(self.client, self.tokens)
        other.who = who
        return other

    @property
    def app(self) -> Any:
        return self.client.app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.who != "anonymous":
            headers.setdefault("Authorization", f"Bearer {self.tokens[self.who]}")
        response: httpx.Response = self.client.request(method, url, headers=headers, **kwargs)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    # ------------------------------------------------------------ shortcuts
    def create(self, **changes: Any) -> dict[str, Any]:
        response = self.post("/api/v1/referrals", json=body(**changes))
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    def upload(self, data: bytes, name: str = "deals.csv", **form: str) -> httpx.Response:
        return self.post("/api/v1/imports", files={"file": (name, data)}, data=form)

    def close(self) -> None:
        self.client.close()
        self.app.state.ctx.db.dispose()


def make_api(world: World, settings: Settings | None = None) -> Api:
    settings = settings or world.settings
    app = create_app(settings, queue=JobQueue(settings, world.db, immediate=True))
    tokens = {
        "admin": accounts.create_token(world.db, user_email=ADMIN),
        "seller": accounts.create_token(world.db, user_email=SELLER),
        "other": accounts.create_token(world.db, user_email=OTHER_ADMIN),
        "microsoft": accounts.create_token(world.db, integration_org="Org A"),
        "other_microsoft": accounts.create_token(world.db, integration_org="Org B"),
    }
    return Api(TestClient(app), tokens)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
