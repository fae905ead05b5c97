"""The service tests of this folder run twice: on the in-memory unit of work
(`tests/memory_uow.py`, `[memory]`) and on SQLite (`[sqlite]`), and must agree."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import backends
from tests.memory_uow import MemoryBackend
from tests.support import ADMIN, OTHER_ADMIN, SELLER, World, seed

MEMORY = "memory"


def memory_world(template: MemoryBackend | None = None) -> World:
    """The two-organization world of `support.make_world`, in memory."""
    from cosell.services import accounts
    from cosell.settings import Settings

    db = MemoryBackend()
    if template is not None:
        db.state = copy.deepcopy(template.state)
    else:
        seed(db)
    return World(
        db,  # type: ignore[arg-type]  # a Backend, as the services take it
        Settings(database_url="sqlite:///unused.db"),
        accounts.actor_for(db, ADMIN),
        accounts.actor_for(db, SELLER),
        accounts.actor_for(db, OTHER_ADMIN),
    )


@pytest.fixture(scope="session")
def memory_template() -> MemoryBackend:
    """The in-memory world built once (password hashing is slow on purpose)."""
    backend = memory_world().db
    assert isinstance(backend, MemoryBackend)
    return backend


@pytest.fixture(params=[MEMORY, backends.SQLITE])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The two-organization world, fresh for this test, in memory or on SQLite."""
    if request.param == MEMORY:
        yield memory_world(request.getfixturevalue("memory_template"))
        return
    with backends.world_on(request, backends.SQLITE, tmp_path) as w:
        yield w
