"""The test world is on the backend its test id names (tests/backends.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support import World


def test_the_world_is_on_the_backend_of_the_test_id(world: World, backend: str) -> None:
    assert world.db.engine.dialect.name == backend
    with world.db.read() as conn:
        organizations = conn.execute(text("SELECT name FROM organizations ORDER BY name"))
        assert [name for (name,) in organizations] == ["Org A", "Org B"]


@pytest.mark.sqlite_only("checks the marker itself")
def test_a_sqlite_only_test_runs_once_on_sqlite(world: World, backend: str) -> None:
    assert backend == "sqlite" and world.db.is_sqlite
