from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests import backends
from tests.support import World, make_world

# Timing is the benchmark's business: a shared, loaded machine must not fail a property.
settings.register_profile("cosell", deadline=None)
settings.load_profile("cosell")


BROWSER = "browser"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--browser",
        action="store_true",
        help="run the browser tests (marked `browser`; they need Chromium)",
    )


def pytest_configure(config: pytest.Config) -> None:
    backends.register(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests start a server and Chromium: they run only when asked for."""
    if config.getoption("--browser"):
        return
    skip = pytest.mark.skip(reason="a browser test: run with --browser")
    for item in items:
        if item.get_closest_marker(BROWSER) is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of this test session (the folder of its socket)."""
    from tests import postgres

    with postgres.server() as socket_dir:
        yield socket_dir


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty PostgreSQL database for one test."""
    from tests import postgres

    return postgres.new_database(postgres_server)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database with two organizations, built once (password hashing is slow
    on purpose)."""
    path = tmp_path_factory.mktemp("template") / "cosell.db"
    world = make_world(f"sqlite:///{path}")
    world.db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """The same two organizations in PostgreSQL's `cosell_template` database, built once;
    the server's folder."""
    return backends.postgres_template(postgres_server)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The backend of `world`: SQLite, unless the folder runs its tests on both
    (see tests/backends.py)."""
    name: str = getattr(request, "param", backends.SQLITE)
    return name


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database without a schema yet, on `backend`."""
    if backend == backends.SQLITE:
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def world(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The two-organization world, a fresh copy for this test, on `backend`."""
    with backends.world_on(request, backend, tmp_path) as w:
        yield w
