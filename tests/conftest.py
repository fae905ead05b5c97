from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cosell.services import accounts
from cosell.settings import Settings
from cosell.store.db import Database
from tests.support import ADMIN, OTHER_ADMIN, SELLER, World, make_world


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database with two organizations, built once (password hashing is slow on purpose)."""
    path = tmp_path_factory.mktemp("template") / "cosell.db"
    world = make_world(f"sqlite:///{path}")
    world.db.dispose()
    return path


@pytest.fixture
def world(template_db: Path, tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "cosell.db"
    shutil.copy(template_db, path)
    url = f"sqlite:///{path}"
    db = Database(url)
    w = World(
        db,
        Settings(database_url=url),
        accounts.actor_for(db, ADMIN),
        accounts.actor_for(db, SELLER),
        accounts.actor_for(db, OTHER_ADMIN),
    )
    yield w
    db.dispose()
