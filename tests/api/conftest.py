"""An in-process API over the per-test database: jobs run at once (huey immediate mode).

Every API test that uses the world runs on SQLite and on PostgreSQL (tests/backends.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cosell.settings import Settings
from tests import backends
from tests.api.client import Api, make_api
from tests.support import World

pytest_generate_tests = backends.both


@pytest.fixture
def api(world: World) -> Iterator[Api]:
    client = make_api(world)
    yield client
    client.close()


@pytest.fixture
def api_with(world: World) -> Iterator[Callable[..., Api]]:
    """An API built with changed settings, e.g. `api_with(max_upload_bytes=2000)`."""
    made: list[Api] = []

    def build(**changes: object) -> Api:
        settings = Settings(**{**world.settings.model_dump(), **changes})
        client = make_api(world, settings)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture(scope="module")
def module_api(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """One API and database for a whole module, for checks that change nothing
    (building an app per test would dominate their run time)."""
    with backends.world_on(request, backend, tmp_path_factory.mktemp("api")) as world:
        api = make_api(world)
        api.world = world
        yield api
        api.close()
