"""Page tests in process: the app on a copy of the two-organization test database.

The queue runs each job at once in the request (huey's immediate mode), so an
upload's summary is on the page that follows it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from cosell.queue.job_queue import JobQueue
from cosell.settings import Settings
from tests.support import World

with warnings.catch_warnings():
    # starlette's TestClient asks for `httpx2`; the `httpx` it falls back to works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient as TestClient

PASSWORD = "password-123"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

Client = TestClient
MakeClient = Callable[..., TestClient]


def form_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = form_token(client.get("/sign-in").text)
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def make_client(world: World) -> Iterator[MakeClient]:
    """`make_client(email=None, **settings)`: a browser-like client, signed in when asked."""
    from cosell.web.app import create_app

    made: list[TestClient] = []

    def make(email: str | None = None, **overrides: object) -> TestClient:
        settings = world.settings.model_copy(update=overrides) if overrides else world.settings
        assert isinstance(settings, Settings)
        app = create_app(settings, queue=JobQueue(settings, world.db, immediate=True))
        client = TestClient(app, raise_server_exceptions=False)
        made.append(client)
        if email is not None:
            sign_in(client, email)
        return client

    yield make
    for client in made:
        client.close()
        client.app.state.ctx.db.dispose()  # type: ignore[attr-defined]
