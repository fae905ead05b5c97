from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support import World, copy_world, make_world

# Timing is the benchmark's business: a shared, loaded machine must not fail a property.
settings.register_profile("cosell", deadline=None)
settings.load_profile("cosell")


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
    """One database with two organizations, built once (password hashing is slow on purpose)."""
    path = tmp_path_factory.mktemp("template") / "cosell.db"
    world = make_world(f"sqlite:///{path}")
    world.db.dispose()
    return path


@pytest.fixture
def world(template_db: Path, tmp_path: Path) -> Iterator[World]:
    w = copy_world(template_db, tmp_path / "cosell.db")
    yield w
    w.db.dispose()
