"""The queue adapter picks huey's storage from the settings (docs/architecture.md,
"The two deployment modes")."""

from __future__ import annotations

from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey

from cosell.errors import UsageError
from cosell.queue.job_queue import JobQueue, queue_url
from cosell.settings import Settings
from tests.support import World


def test_sqlite_queue_lives_in_its_own_file_beside_the_database(
    world: World, tmp_path: Path
) -> None:
    assert queue_url(world.settings) == f"sqlite:///{tmp_path / 'cosell-queue.db'}"
    queue = JobQueue(world.settings, world.db)
    assert isinstance(queue.huey, SqliteHuey)
    assert queue.huey.storage.filename == str(tmp_path / "cosell-queue.db")
    queue.enqueue("job-1")
    assert (tmp_path / "cosell-queue.db").exists()
    assert queue.huey.pending_count() == 1


def test_relative_sqlite_database_gets_a_relative_queue_file() -> None:
    settings = Settings(database_url="sqlite:///var/cosell.db")
    assert queue_url(settings) == "sqlite:///var/cosell-queue.db"


def test_queue_url_setting_wins(world: World, tmp_path: Path) -> None:
    settings = world.settings.model_copy(update={"queue_url": f"sqlite:///{tmp_path / 'q.db'}"})
    assert JobQueue(settings, world.db).huey.storage.filename == str(tmp_path / "q.db")


@pytest.mark.parametrize(
    ("url", "host", "port", "db"),
    [
        ("redis://localhost:6399/3", "localhost", 6399, 3),
        ("rediss://cache.example/0", "cache.example", 6379, 0),
    ],
)
def test_redis_url_makes_a_redis_queue_without_connecting(
    world: World, url: str, host: str, port: int, db: int
) -> None:
    settings = world.settings.model_copy(update={"queue_url": url})
    queue = JobQueue(settings, world.db)
    assert isinstance(queue.huey, RedisHuey)
    kwargs = queue.huey.storage.pool.connection_kwargs
    assert (kwargs["host"], kwargs.get("port", 6379), kwargs["db"]) == (host, port, db)


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("amqp://guest:s3cret@rabbit:5672//", "amqp:"),
        ("mysql://root:s3cret@db/queue", "mysql:"),
        ("just-a-path.db", "(none)"),
    ],
)
def test_unsupported_queue_url_is_a_clear_error(world: World, url: str, scheme: str) -> None:
    settings = world.settings.model_copy(update={"queue_url": url})
    with pytest.raises(UsageError) as caught:
        JobQueue(settings, world.db)
    message = caught.value.message
    assert f"scheme {scheme} is not supported" in message
    assert "sqlite:///" in message and "redis://" in message and "postgresql://" in message
    assert "s3cret" not in message


def test_in_memory_sqlite_queue_is_refused(world: World) -> None:
    settings = world.settings.model_copy(update={"queue_url": "sqlite:///:memory:"})
    with pytest.raises(UsageError, match="needs a file"):
        JobQueue(settings, world.db)


def test_a_server_database_needs_a_queue_url() -> None:
    settings = Settings(database_url="postgresql://cosell@db.example/cosell")
    with pytest.raises(UsageError, match="set COSELL_QUEUE_URL"):
        queue_url(settings)


def test_an_idle_worker_looks_at_the_queue_several_times_a_second(world: World) -> None:
    # huey's default backs off to one look per 10 s: an upload after a quiet minute
    # would wait that long before anything happened.
    consumer = JobQueue(world.settings, world.db).consumer(workers=2)
    assert consumer.max_delay <= 0.25
    assert consumer.workers == 2
    # Upkeep runs beside the queue (JobQueue.start_upkeep), not as a huey periodic task
    # waiting in the same queue as the imports.
    assert not consumer.periodic
