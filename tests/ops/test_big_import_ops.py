"""Big first loads with real processes: a `cosell worker` killed with SIGKILL between
the chunks of a big import goes on, in the next worker, after the last committed chunk
(each row applied once, the results file whole and in order); a big import's memory
stays bounded; backups carry files stored in parts."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

import loadtest
import pytest
from sqlalchemy import func, select

from cosell.domain.job_types import ImportOptions, JobKind
from cosell.services import upkeep
from cosell.services.clock import utcnow
from cosell.store import jobs as job_store
from cosell.store.models import BlobPart, table_of
from cosell.store.sql_backend import SqlBackend
from tests.ops.procs import Procs, crm_ids, finished, history_of_job, job, submit, wait_for
from tests.support import World, csv_bytes, read_csv, results_file, row

pytestmark = pytest.mark.slow

ROWS, CHUNK = 300, 20


def big_file(prefix: str, count: int) -> bytes:
    return csv_bytes(
        [row(Deal_Name=f"{prefix} deal {i}", CRM_ID=f"{prefix}-{i}") for i in range(count)]
    )


def test_a_worker_killed_between_chunks_is_followed_by_one_that_goes_on(
    world: World, procs: Procs
) -> None:
    job_id = submit(world, big_file("CHUNK", ROWS))
    chunked = {"import_chunk_rows": CHUNK, "max_import_rows": 10_000}

    first = procs.worker(hold_commit=0.2, **chunked)
    wait_for("three committed chunks", lambda: job(world, job_id).progress >= 3 * CHUNK)
    first.stop(signal.SIGKILL)

    killed = job(world, job_id)
    assert (killed.status, killed.attempts) == (job_store.RUNNING, 1)
    committed = len(crm_ids(world, "CHUNK"))
    assert committed == killed.progress and committed % CHUNK == 0 and committed < ROWS
    assert history_of_job(world, job_id) == committed

    stale = 1
    assert killed.heartbeat_at is not None
    ready = killed.heartbeat_at + dt.timedelta(seconds=stale + 1)
    time.sleep(max(0.0, (ready - utcnow()).total_seconds()) + 0.05)
    second = procs.worker(job_stale_seconds=stale, **chunked)
    done = wait_for("the job to finish", lambda: finished(world, job_id), timeout=60)
    second.stop()

    assert f"going on after row {committed} of {ROWS}" in second.output()
    assert (done.status, done.attempts) == (job_store.COMPLETED, 2)
    assert done.import_summary is not None
    assert (done.import_summary.created, done.import_summary.failed) == (ROWS, 0)
    assert crm_ids(world, "CHUNK") == sorted(f"CHUNK-{i}" for i in range(ROWS))
    assert history_of_job(world, job_id) == ROWS
    lines = read_csv(results_file(world, done))
    assert [line["CRM ID"] for line in lines] == [f"CHUNK-{i}" for i in range(ROWS)]
    assert {line["Import Result"] for line in lines} == {"Created"}


def test_a_big_import_stays_within_its_memory_bound(tmp_path: Path) -> None:
    """20,000 rows (8 MB, read as a stream) in a `cosell import` process: the old
    whole-file import needed ~230 MB for 10,000. The 100k and 1M figures are measured
    with `python bench/loadtest.py` (see the report)."""
    url = f"sqlite:///{tmp_path / 'load.db'}"
    loadtest.prepare_database(url)
    path = loadtest.write_import_file(tmp_path / "load.csv", 20_000)
    measured = loadtest.measure_import(url, path)
    assert measured.exit_code == 0, measured
    assert measured.summary["created"] == 20_000
    assert measured.peak_rss_mb <= 300, measured


def test_a_backup_carries_files_stored_in_parts(world: World, tmp_path: Path) -> None:
    data = os.urandom(2 * job_store.PART_SIZE + 5)
    with world.db.write() as conn:
        blob_id = job_store.put_blob(
            conn, org_id=world.admin.org_id, name="big.bin", content_type="x", data=data,
            now=utcnow(),
        )  # fmt: skip
        job_store.add_job(
            conn, org_id=world.admin.org_id, user_id=world.admin.user_id or 0, kind=JobKind.IMPORT,
            options=ImportOptions(), file_name="big.bin", input_blob_id=blob_id, now=utcnow(),
        )  # fmt: skip
    copy = tmp_path / "backup.db"
    upkeep.backup(world.settings.database_url, copy)
    url = f"sqlite:///{tmp_path / 'restored.db'}"
    upkeep.restore(url, copy)
    restored = SqlBackend(url)
    try:
        with restored.read() as conn:
            found = job_store.get_blob(conn, world.admin.org_id, blob_id)
            parts = conn.execute(select(func.count()).select_from(table_of(BlobPart)))
            assert parts.scalar_one() == 3
        assert found is not None and found[2] == data
        report = upkeep.check(restored, world.settings)
        assert not [p for p in report.problems if "file" in p.check], report.problems
    finally:
        restored.dispose()
