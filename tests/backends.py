"""The database backends a test world runs on: SQLite (the default) and PostgreSQL.

A test that asks for `world` (or a fixture built on it) gets the two-organization
world on the backend of the `backend` fixture. Outside the folders that opt in, that
is SQLite only. A folder opts in with `pytest_generate_tests = backends.both` in its
conftest.py: each of its tests then runs twice, with the id suffix `[sqlite]` and
`[postgresql]`. A test (or module) that only makes sense on SQLite — it reads the
database file, runs a PRAGMA, or tests SQLite's locking — says so with
`@pytest.mark.sqlite_only("why")` and runs once, as `[sqlite]`; it is never skipped.

Both backends copy a template built once per session (password hashing is slow on
purpose): a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import World, copy_world, make_world, open_world

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
BACKENDS = (SQLITE, POSTGRESQL)
#: The PostgreSQL database each test's database is a copy of.
PG_TEMPLATE = "cosell_template"
SQLITE_ONLY = "sqlite_only"


def register(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SQLITE_ONLY}(reason): a test of SQLite itself (its file, PRAGMAs, locking); "
        "runs on SQLite only where the other tests run on both backends",
    )


@pytest.hookimpl(trylast=True)  # after the test's own parametrize: the backend is the suffix
def both(metafunc: pytest.Metafunc) -> None:
    """`pytest_generate_tests` of a folder whose tests run on both backends."""
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker(SQLITE_ONLY)
    if marker is not None and not (marker.args or marker.kwargs.get("reason")):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
    names = [SQLITE] if marker else list(BACKENDS)
    metafunc.parametrize("backend", names, indirect=True, ids=names, scope="session")


def postgres_template(socket_dir: str) -> str:
    """Build the two-organization world in `PG_TEMPLATE`; returns the server's folder."""
    from tests import postgres

    url = postgres.new_database(socket_dir, PG_TEMPLATE)
    world = make_world(url)
    world.db.dispose()  # a template must have no connections when it is copied
    return socket_dir


@contextmanager
def world_on(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[World]:
    """A fresh copy of the template world on `backend` (files, if any, in `folder`)."""
    if backend == SQLITE:
        world = copy_world(request.getfixturevalue("template_db"), folder / "cosell.db")
        try:
            yield world
        finally:
            world.db.dispose()
        return
    if backend != POSTGRESQL:
        raise ValueError(f"unknown backend {backend!r}")
    from tests import postgres

    socket_dir = request.getfixturevalue("postgres_template")
    name = f"cosell_{uuid.uuid4().hex[:12]}"
    url = postgres.new_database(socket_dir, name, template=PG_TEMPLATE)
    # The queue on the same server, as a scale-out deployment has it (tests run
    # jobs in huey's immediate mode, which never touches the queue's storage).
    world = open_world(url, queue_url=url)
    try:
        yield world
    finally:
        world.db.dispose()
        postgres.drop_database(socket_dir, name)
