"""Starting and keeping up a PostgreSQL deployment (issue 8 §0): the schema upgraded
by several processes at once, `postgres://` URLs, maintenance that never waits on a
job's locks, stored files deleted after the retention period."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select, text, update

from cosell.services import maintenance
from cosell.services.clock import utcnow
from cosell.store import jobs as job_store
from cosell.store.models import Blob, Job, table_of
from cosell.store.sql_backend import SqlBackend
from tests.ops.procs import Procs, deals_file, free_port, submit, wait_for
from tests.redis_server import RedisServer
from tests.support import World, make_world


def test_three_servers_started_at_once_on_a_fresh_database_all_run(
    postgres_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    procs = Procs(tmp_path, postgres_url)
    try:
        ports = [free_port() for _ in range(3)]
        started = [
            procs.start(
                "serve", "--no-worker", "--port", str(port), name="serve", queue_url=redis.url
            )
            for port in ports
        ]

        def all_answer() -> bool:
            for proc, port in zip(started, ports, strict=True):
                if proc.popen.poll() is not None:
                    raise AssertionError(f"a server ended:\n{proc.output()}")
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
                except httpx.TransportError:
                    return False
                if response.status_code != 200:
                    return False
            return True

        wait_for("three servers to answer", all_answer, timeout=60)
    finally:
        procs.cleanup()


def test_a_postgres_scheme_url_is_postgresql(postgres_url: str) -> None:
    url = postgres_url.replace("postgresql://", "postgres://", 1)
    db = SqlBackend(url)
    try:
        assert not db.is_sqlite
        db.upgrade()
        with db.read() as conn:
            assert conn.execute(text("select 1")).scalar() == 1
    finally:
        db.dispose()


def _stale_running_job(world: World) -> str:
    job_id = submit(world, deals_file("LOCKED", 2), enqueue=False)
    long_ago = utcnow() - dt.timedelta(minutes=5)
    with world.db.write() as conn:
        assert job_store.claim(conn, job_id, long_ago, max_attempts=3) is not None
    return job_id


def test_maintenance_skips_a_job_whose_row_is_locked_and_never_waits(postgres_url: str) -> None:
    world = make_world(postgres_url)
    try:
        job_id = _stale_running_job(world)
        jobs = table_of(Job)
        holding, release = threading.Event(), threading.Event()

        def hold_the_row() -> None:  # as a worker inside its import's transaction does
            with world.db.write() as conn:
                conn.execute(select(jobs.c.id).where(jobs.c.id == job_id).with_for_update())
                holding.set()
                release.wait(30)

        holder = threading.Thread(target=hold_the_row)
        holder.start()
        try:
            assert holding.wait(10)
            began = time.monotonic()
            assert maintenance.requeue_stale_jobs(world.db, world.settings, utcnow()) == []
            assert time.monotonic() - began < 1.5
        finally:
            release.set()
            holder.join()
        assert maintenance.requeue_stale_jobs(world.db, world.settings, utcnow()) == [job_id]
        # Already queued again, and not stale: nothing more to re-queue.
        assert maintenance.requeue_stale_jobs(world.db, world.settings, utcnow()) == []
    finally:
        world.db.dispose()


def test_stored_files_are_deleted_after_the_retention_period(world: World) -> None:
    old_job = submit(world, deals_file("OLD", 1), enqueue=False)
    new_job = submit(world, deals_file("NEW", 1), enqueue=False)
    blobs, jobs = table_of(Blob), table_of(Job)
    now = utcnow()
    with world.db.write() as conn:
        for job_id, age in ((old_job, 91), (new_job, 89)):
            blob_id = conn.execute(select(jobs.c.input_blob_id).where(jobs.c.id == job_id)).scalar()
            conn.execute(
                update(blobs)
                .where(blobs.c.id == blob_id)
                .values(created_at=now - dt.timedelta(days=age))
            )
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(status=job_store.COMPLETED, finished_at=now - dt.timedelta(days=age))
            )
    assert world.settings.file_retention_days == 90
    assert maintenance.delete_old_files(world.db, world.settings, now) == 1
    with world.db.read() as conn:
        kept = {
            r.id: r.input_blob_id for r in conn.execute(select(jobs.c.id, jobs.c.input_blob_id))
        }
        names = conn.execute(select(blobs.c.id)).scalars().all()
    assert kept[old_job] is None
    assert kept[new_job] in names and len(names) == 1
    assert maintenance.delete_old_files(world.db, world.settings, now) == 0


def test_one_worker_of_the_deployment_takes_each_upkeep_turn(world: World) -> None:
    settings = world.settings.model_copy(update={"job_stale_seconds": 60})
    now = utcnow()
    every = maintenance.upkeep_interval(settings)
    assert every == dt.timedelta(seconds=15)
    turns = [maintenance.take_turn(world.db, settings, now) for _ in range(3)]
    assert turns == [True, False, False]
    assert not maintenance.take_turn(world.db, settings, now + every / 2)
    assert maintenance.take_turn(world.db, settings, now + every)
    assert not maintenance.take_turn(world.db, settings, now + every)
