"""The service tests of this folder run twice: on the in-memory unit of work
(`tests/memory_uow.py`, `[memory]`) and on SQLite (`[sqlite]`), and must agree."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import backends
from tests.memory_uow import MemoryBackend
from tests.support import ADMIN, CATALOG, OTHER_ADMIN, SELLER, World

MEMORY = "memory"


def memory_world(template: MemoryBackend | None = None) -> World:
    """The two-organization world of `support.make_world`, in memory."""
    from cosell.domain.enums import Role
    from cosell.services import accounts
    from cosell.settings import Settings

    db = MemoryBackend()
    if template is not None:
        db.state = copy.deepcopy(template.state)
    else:
        org_a = accounts.create_org(db, "Org A", "1111111")
        org_b = accounts.create_org(db, "Org B", "2222222")
        for email, org, role in (
            (ADMIN, org_a.id, Role.ADMIN),
            (SELLER, org_a.id, Role.USER),
            (OTHER_ADMIN, org_b.id, Role.ADMIN),
        ):
            accounts.add_user(db, email, org_id=org, role=role, password="password-123")
        for sid in CATALOG:
            accounts.add_solution(db, sid, org_id=org_a.id)
            accounts.add_solution(db, sid, org_id=org_b.id)
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
