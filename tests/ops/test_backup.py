"""A backup taken while an import is in flight, restored into a new database (issue 7,
"Backups and restore: nothing lost, also for the operator").

The import holds its write transaction open before the commit (a `before_commit` job
hook, tests/ops/slow_worker.py) while the real `cosell backup` command runs: the
copy holds every job committed before it, and of the in-flight import either nothing
or everything, never half. The restored database passes `cosell check`, and the
in-flight job still completes there once a worker picks it up again. The same on
PostgreSQL, where `pg_dump` / `pg_restore` do the copying.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select, text

from cosell.domain.job_types import ImportOptions
from cosell.services import accounts, maintenance
from cosell.services import jobs as job_service
from cosell.services.clock import utcnow
from cosell.services.job_hooks import JobHooks
from cosell.settings import Settings
from cosell.store import jobs as job_store
from cosell.store.models import Job, ReferralRow, table_of
from cosell.store.sql_backend import SqlBackend
from tests import postgres
from tests.ops.procs import (
    COSELL,
    Procs,
    crm_ids,
    db_path,
    deals_file,
    finished,
    history_of_job,
    job,
    submit,
    wait_for,
    write_locked,
)
from tests.ops.slow_worker import hold
from tests.support import ADMIN, OTHER_ADMIN, SELLER, World, make_world, run_import

pytestmark = pytest.mark.slow

#: Seconds the in-flight import holds its transaction open: the backup runs meanwhile.
HOLD = 8


def run_cosell(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `cosell` command, as an operator (or cron) runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSELL_")}
    env["COSELL_DATABASE_URL"] = url
    return subprocess.run(
        [str(COSELL), *args], env=env, capture_output=True, text=True, timeout=120
    )


def world_on(url: str) -> World:
    db = SqlBackend(url)
    return World(
        db,
        Settings(database_url=url),
        accounts.actor_for(db, ADMIN),
        accounts.actor_for(db, SELLER),
        accounts.actor_for(db, OTHER_ADMIN),
    )


def committed_imports(world: World) -> list[str]:
    """Two imports done before the backup: their jobs, deals and files must survive."""
    return [run_import(world, world.admin, deals_file(f"DONE{n}", 5)).job_id for n in range(2)]


def count(world: World, model: type) -> int:
    with world.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar() or 0)


def assert_restored(restored: World, done: list[str], in_flight: str, prefix: str) -> None:
    """Every committed job is there, complete; the in-flight one is all or nothing."""
    for n, job_id in enumerate(done):
        found = job(restored, job_id)
        assert found.status == job_store.COMPLETED
        assert found.input_blob_id and found.result_blob_id
        assert len(crm_ids(restored, f"DONE{n}")) == 5
    flying = job(restored, in_flight)
    if flying.status == job_store.COMPLETED:
        assert len(crm_ids(restored, prefix)) == 25
    else:
        assert crm_ids(restored, prefix) == [] and history_of_job(restored, in_flight) == 0
        assert flying.result_blob_id is None
    # Nothing lost: the worker's periodic re-queue hands the job back; run it as it would.
    later = utcnow() + dt.timedelta(seconds=restored.settings.job_stale_seconds + 1)
    maintenance.requeue_stale_jobs(restored.db, restored.settings, later)
    rerun = job_service.run_job(restored.db, in_flight, restored.settings)
    assert rerun.status == job_store.COMPLETED
    assert len(crm_ids(restored, prefix)) == 25


def test_sqlite_backup_during_an_import_restores_every_committed_job(
    world: World, procs: Procs, tmp_path: Path
) -> None:
    done = committed_imports(world)
    in_flight = submit(world, deals_file("FLY", 25))
    worker = procs.worker(hold_commit=HOLD)
    worker.wait_output(f"testing aid: job {in_flight} waits")
    assert write_locked(db_path(world))

    backup = tmp_path / "backup.db"
    started = time.monotonic()
    made = run_cosell(world.settings.database_url, "backup", str(backup))
    took = time.monotonic() - started
    assert made.returncode == 0, made.stderr
    # Online: the import still holds the write lock; the backup did not wait for it.
    assert write_locked(db_path(world)) and took < HOLD, took
    wait_for("the in-flight import to finish", lambda: finished(world, in_flight), HOLD + 20)
    assert len(crm_ids(world, "FLY")) == 25

    fresh_url = f"sqlite:///{tmp_path / 'restored.db'}"
    restored = run_cosell(fresh_url, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    checked = run_cosell(fresh_url, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restored_world = world_on(fresh_url)
    # The copy was taken before the import's commit: the job is there, its deals are not.
    assert job(restored_world, in_flight).status == job_store.RUNNING
    assert_restored(restored_world, done, in_flight, "FLY")


def _idle_in_transaction(url: str) -> bool:
    db = SqlBackend(url)
    try:
        with db.read() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND state = 'idle in transaction' "
                        "AND pid <> pg_backend_pid()"
                    )
                ).scalar()
            )
    finally:
        db.dispose()


def test_postgres_backup_during_an_import_restore_force_and_check(
    postgres_url: str, postgres_server: str, tmp_path: Path
) -> None:
    world = make_world(postgres_url)
    done = committed_imports(world)
    in_flight = job_service.submit_import(
        world.db, world.admin, "fly.csv", deals_file("PGFLY", 25), ImportOptions(), world.settings
    )
    holding = JobHooks(before_commit=hold(HOLD))
    runner = threading.Thread(
        target=job_service.run_job,
        args=(world.db, in_flight, world.settings),
        kwargs={"hooks": holding},
        daemon=True,
    )
    runner.start()
    wait_for("the import to hold its transaction", lambda: _idle_in_transaction(postgres_url))

    backup = tmp_path / "backup.dump"
    made = run_cosell(postgres_url, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert runner.is_alive(), "the backup waited for the import to commit"
    runner.join(HOLD + 20)
    assert len(crm_ids(world, "PGFLY")) == 25

    fresh_url = postgres.new_database(postgres_server)
    restored = run_cosell(fresh_url, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    checked = run_cosell(fresh_url, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    fresh = world_on(fresh_url)
    assert job(fresh, in_flight).status == job_store.RUNNING
    assert_restored(fresh, done, in_flight, "PGFLY")
    fresh.db.dispose()

    # Over a database holding data: refused, nothing changed; with --force, replaced.
    jobs_before, deals_before = count(world, Job), count(world, ReferralRow)
    refused = run_cosell(postgres_url, "restore", str(backup))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert (count(world, Job), count(world, ReferralRow)) == (jobs_before, deals_before)
    world.db.dispose()
    forced = run_cosell(postgres_url, "restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert job(world, in_flight).status != job_store.COMPLETED
    assert crm_ids(world, "PGFLY") == []
    assert run_cosell(postgres_url, "check").returncode == 0
    world.db.dispose()


def test_postgres_check_finds_each_kind_of_damage(postgres_url: str) -> None:
    world = make_world(postgres_url)
    committed_imports(world)
    assert run_cosell(postgres_url, "check").returncode == 0
    old = "TIMESTAMP '2000-01-01 00:00:00'"
    first = "(SELECT min(pk) FROM referrals)"
    dsn = postgres_url.split("?host=")
    with psycopg.connect(host=dsn[1], user="postgres", dbname=dsn[0].rsplit("/", 1)[1]) as conn:
        # As a restore does: foreign keys are not enforced for this session.
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "INSERT INTO blobs (id, org_id, name, content_type, size, data, created_at) "
            f"VALUES ('orphan-blob', 1, 'lost.csv', 'text/csv', 1, 'A', {old})"
        )
        conn.execute(f"INSERT INTO favorites (user_id, referral_pk) VALUES (1, {first})")
        conn.execute(f"UPDATE referrals SET team_cells = '' WHERE pk = {first} + 1")
        conn.execute(f"DELETE FROM referrals WHERE pk = {first}")
        conn.execute(
            "UPDATE jobs SET status = 'running', finished_at = NULL, "
            f"heartbeat_at = {old} WHERE id = (SELECT min(id) FROM jobs)"
        )
        conn.execute("UPDATE alembic_version SET version_num = '0002'")
    world.db.dispose()

    result = run_cosell(postgres_url, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    starts = {line.split(": ", 1)[0] for line in result.stdout.splitlines()}
    assert starts >= {
        "schema",
        "orphan blobs",
        "orphan referral_solutions",
        "orphan referral_team_members",
        "orphan referral_history",
        "orphan favorites",
        "cells",
        "stuck jobs",
    }, result.stdout
