from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.procs import Procs
from tests.redis_server import RedisServer
from tests.support import World, make_world


@pytest.fixture
def procs(world: World, tmp_path: Path) -> Iterator[Procs]:
    started = Procs(tmp_path, world.settings.database_url)
    yield started
    started.cleanup()


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A Redis server of one test (so a test may restart it)."""
    from tests import redis_server

    with redis_server.server() as server:
        yield server


@pytest.fixture
def scale_world(postgres_url: str, redis: RedisServer) -> Iterator[World]:
    """The two-organization world on PostgreSQL, its queue on Redis: the scale-out mode."""
    world = make_world(postgres_url)
    settings = world.settings.model_copy(update={"queue_url": redis.url})
    world = dataclasses.replace(world, settings=settings)
    yield world
    world.db.dispose()


@pytest.fixture
def scale_procs(scale_world: World, tmp_path: Path) -> Iterator[Procs]:
    started = Procs(tmp_path, scale_world.settings.database_url)
    yield started
    started.cleanup()
