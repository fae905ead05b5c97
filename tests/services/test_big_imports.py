"""Big first loads: a file of more than `import_chunk_rows` rows is imported a chunk at a
time, each chunk committed on its own, and ends exactly as one transaction would have:
every row applied once, the file-wide checks over all rows, one results file in the
file's order. A worker that dies between chunks goes on after the last committed one.

The chunks are made small here (tens of rows), so small files have many of them; the
`streamed` variants read the file from its stored parts as a stream (as files over
`WHOLE_FILE_BYTES` are), the others from memory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from cosell.domain.job_types import ImportOptions, JobRecord
from cosell.services import jobs
from cosell.services.clock import utcnow
from cosell.services.job_hooks import JobHooks
from cosell.settings import Settings
from cosell.store import jobs as job_store
from cosell.store.models import HistoryRow, ImportChunk, ReferralRow, table_of
from cosell.store.referrals import ReferralRepository
from tests.support import World, csv_bytes, read_csv, results_file, row

CHUNK = 40
R = table_of(ReferralRow)
H = table_of(HistoryRow)


@pytest.fixture(params=["in-memory", "streamed"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "streamed":
        monkeypatch.setattr(jobs, "WHOLE_FILE_BYTES", 0)
    return str(request.param)


def big(world: World, **changes: Any) -> Settings:
    return world.settings.model_copy(
        update={"import_chunk_rows": CHUNK, "max_import_rows": 100_000} | changes
    )


def deals(prefix: str, count: int, **changes: str) -> list[dict[str, str]]:
    return [
        row(Deal_Name=f"{prefix} deal {i}", CRM_ID=f"{prefix}-{i}", **changes) for i in range(count)
    ]


def submit(world: World, data: bytes, settings: Settings, **options: Any) -> str:
    return jobs.submit_import(
        world.db, world.admin, "big.csv", data, ImportOptions(**options), settings
    )


def results_of(world: World, job: JobRecord) -> list[dict[str, str]]:
    assert job.result_blob_id is not None
    return read_csv(results_file(world, job))


def crm_counts(world: World, prefix: str) -> Counter[str]:
    with world.db.read() as conn:
        rows = conn.execute(select(R.c.crm_id).where(R.c.crm_id.like(f"{prefix}-%"))).all()
    return Counter(r[0] for r in rows)


def history_count(world: World, job_id: str, action: str) -> int:
    with world.db.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(H)
                .where(H.c.job_id == job_id, H.c.action == action)
            ).scalar_one()
        )


def chunk_rows(world: World) -> int:
    with world.db.read() as conn:
        return int(
            conn.execute(select(func.count()).select_from(table_of(ImportChunk))).scalar_one()
        )


# ------------------------------------------------------------------ every row once, in order
def test_a_big_file_creates_every_row_once_and_the_results_keep_the_order(
    world: World, reading: str
) -> None:
    count = 25 * CHUNK + 7  # 26 chunks, the last one short
    settings = big(world)
    seen: list[tuple[int, int]] = []
    job_id = submit(world, csv_bytes(deals("BIG", count)), settings)
    job = jobs.run_job(world.db, job_id, settings, progress=lambda d, t: seen.append((d, t)))

    assert job.status == job_store.COMPLETED, job.error
    assert job.import_summary is not None
    assert (job.import_summary.rows, job.import_summary.created, job.import_summary.failed) == (
        count,
        count,
        0,
    )
    assert (job.progress, job.total) == (count, count)
    counts = crm_counts(world, "BIG")
    assert len(counts) == count and set(counts.values()) == {1}
    assert history_count(world, job_id, "created") == count
    lines = results_of(world, job)
    assert [line["Deal Name"] for line in lines] == [f"BIG deal {i}" for i in range(count)]
    assert {line["Import Result"] for line in lines} == {"Created"}
    assert len({line["Referral ID"] for line in lines}) == count
    assert chunk_rows(world) == 0  # the chunks' outcomes are gone once the job is done
    # Progress advanced chunk by chunk.
    assert [d for d, _ in seen if d] == [*range(CHUNK, count, CHUNK), count, count]
    assert {t for _, t in seen if t} == {count}


def test_a_big_xlsx_file_gets_one_xlsx_results_file_in_order(world: World) -> None:
    from cosell.files.reader import read_table
    from cosell.files.writer import write_xlsx
    from tests.files.builders import header_score

    count = 3 * CHUNK + 1
    source = deals("XL", count)
    headers = list(source[0])
    data = write_xlsx(headers, [[r[h] for h in headers] for r in source])
    settings = big(world)
    job_id = jobs.submit_import(world.db, world.admin, "big.xlsx", data, ImportOptions(), settings)
    job = jobs.run_job(world.db, job_id, settings)
    assert job.import_summary is not None and job.import_summary.created == count
    with world.db.read() as conn:
        blob = job_store.blob_info(conn, world.admin.org_id, job.result_blob_id or "")
    assert blob is not None and blob.name == "big-results.xlsx"
    table = read_table(results_file(world, job), header_score=header_score)
    name = table.headers.index("Deal Name")
    assert [r.cells[name] for r in table.rows] == [f"XL deal {i}" for i in range(count)]


def test_a_file_of_updates_and_creates_applies_each_update_once(world: World, reading: str) -> None:
    settings = big(world)
    first = jobs.run_job(
        world.db, submit(world, csv_bytes(deals("UPD", 3 * CHUNK)), settings), settings
    )
    assert first.status == job_store.COMPLETED
    exported = results_of(world, first)
    for line in exported:
        line["Notes"] = "changed once"
        line.pop("Errors"), line.pop("Import Result")
    mixed = exported + [
        {**exported[0], **r, "Referral ID": "", "Engagement ID": "", "Row Version": ""}
        for r in deals("NEW", CHUNK)
    ]
    job_id = submit(world, csv_bytes(mixed), settings)
    job = jobs.run_job(world.db, job_id, settings)
    assert job.import_summary is not None
    assert (job.import_summary.updated, job.import_summary.created, job.import_summary.failed) == (
        3 * CHUNK,
        CHUNK,
        0,
    ), job.import_summary.failures[:3]
    with world.db.read() as conn:
        versions = conn.execute(select(R.c.version).where(R.c.crm_id.like("UPD-%"))).scalars()
        assert set(versions) == {2}
    assert history_count(world, job_id, "updated") == 3 * CHUNK


# ------------------------------------------------------------------ a worker that dies
class _Killed(BaseException):
    """Stands for the worker's death: no `except Exception` of ours sees it."""


def kill_after(chunks: int) -> JobHooks:
    def after_row_batch(job_id: str, done: int) -> None:
        if done == chunks:
            raise _Killed

    return JobHooks(after_row_batch=after_row_batch)


def requeue(world: World) -> None:
    """What upkeep does once the dead worker's heartbeat is old."""
    later = utcnow() + dt.timedelta(seconds=5)
    with world.db.write() as conn:
        assert job_store.requeue_stale(conn, later, later)


def test_a_worker_killed_after_a_chunk_goes_on_from_there_applying_each_row_once(
    world: World, reading: str
) -> None:
    settings = big(world)
    base = jobs.run_job(world.db, submit(world, csv_bytes(deals("OLD", CHUNK)), settings), settings)
    updates = results_of(world, base)
    for line in updates:
        line["Notes"] = "updated by the big file"
        line.pop("Errors"), line.pop("Import Result")
    count = 6 * CHUNK
    rows = [*deals("KILL", count // 2), *updates, *deals("KILL2", count // 2 - CHUNK)]
    job_id = submit(world, csv_bytes(rows, headers=list(updates[0])), settings)

    with pytest.raises(_Killed):
        jobs.run_job(world.db, job_id, settings, hooks=kill_after(3))
    with world.db.read() as conn:
        killed = job_store.get_job(conn, job_id)
    assert killed is not None
    assert (killed.status, killed.attempts, killed.progress) == (job_store.RUNNING, 1, 3 * CHUNK)
    assert sum(crm_counts(world, "KILL").values()) == 3 * CHUNK
    assert chunk_rows(world) == 3

    requeue(world)
    done = jobs.run_job(world.db, job_id, settings)

    assert (done.status, done.attempts) == (job_store.COMPLETED, 2)
    assert done.import_summary is not None
    assert (
        done.import_summary.created,
        done.import_summary.updated,
        done.import_summary.failed,
    ) == (
        count - CHUNK,
        CHUNK,
        0,
    ), done.import_summary.failures[:3]
    for prefix, expected in (("KILL", count // 2), ("KILL2", count // 2 - CHUNK)):
        counts = crm_counts(world, prefix)
        assert len(counts) == expected and set(counts.values()) == {1}
    assert history_count(world, job_id, "created") == count - CHUNK
    assert history_count(world, job_id, "updated") == CHUNK
    with world.db.read() as conn:
        versions = conn.execute(select(R.c.version).where(R.c.crm_id.like("OLD-%"))).scalars()
        assert set(versions) == {2}  # updated exactly once
    lines = results_of(world, done)
    assert [line["Deal Name"] for line in lines] == [r["Deal Name"] for r in rows]
    assert Counter(line["Import Result"] for line in lines) == {
        "Created": count - CHUNK,
        "Updated": CHUNK,
    }


def test_a_worker_that_lost_the_job_commits_no_further_chunk(world: World) -> None:
    settings = big(world)
    count = 5 * CHUNK
    job_id = submit(world, csv_bytes(deals("LOST", count)), settings)

    def taken_over(job_id: str, done: int) -> None:
        if done == 2:  # the worker hangs; upkeep re-queues the job and another takes it
            requeue(world)
            with world.db.write() as conn:
                assert job_store.claim(conn, job_id, utcnow(), 5) is not None

    jobs.run_job(world.db, job_id, settings, hooks=JobHooks(after_row_batch=taken_over))
    assert sum(crm_counts(world, "LOST").values()) == 2 * CHUNK  # chunk 3 was not applied
    assert chunk_rows(world) == 2

    requeue(world)  # the other worker died too
    done = jobs.run_job(world.db, job_id, settings.model_copy(update={"job_max_attempts": 5}))
    assert (done.status, done.attempts) == (job_store.COMPLETED, 3)
    counts = crm_counts(world, "LOST")
    assert len(counts) == count and set(counts.values()) == {1}
    assert [line["Deal Name"] for line in results_of(world, done)] == [
        f"LOST deal {i}" for i in range(count)
    ]


def test_a_stopping_worker_hands_a_big_job_back_between_chunks(world: World) -> None:
    import threading

    settings = big(world)
    count = 4 * CHUNK
    job_id = submit(world, csv_bytes(deals("STOP", count)), settings)
    stop = threading.Event()
    stopping = JobHooks(after_row_batch=lambda job_id, done: stop.set())
    handed = jobs.run_job(world.db, job_id, settings, stop=stop, hooks=stopping)
    assert (handed.status, handed.attempts) == (job_store.QUEUED, 0)
    assert sum(crm_counts(world, "STOP").values()) == CHUNK

    done = jobs.run_job(world.db, job_id, settings)
    assert done.status == job_store.COMPLETED
    assert done.import_summary is not None and done.import_summary.created == count
    assert len(crm_counts(world, "STOP")) == count


# ------------------------------------------------------------------ file-wide checks
def test_duplicates_in_different_chunks_are_reported(world: World, reading: str) -> None:
    settings = big(world)
    rows = deals("DUP", 4 * CHUNK)
    rows[2]["CRM ID"] = rows[3 * CHUNK + 5]["CRM ID"] = "SAME-CRM"
    job_id = submit(world, csv_bytes(rows), settings, match="crm-id")
    job = jobs.run_job(world.db, job_id, settings)
    assert job.import_summary is not None
    assert (job.import_summary.created, job.import_summary.failed) == (4 * CHUNK - 2, 2)
    failures = {f.row: list(f.errors) for f in job.import_summary.failures}
    first, second = 2 + 2, 3 * CHUNK + 5 + 2  # spreadsheet rows (header = 1)
    assert failures == {
        first: [
            f'CRM ID: "SAME-CRM" appears on several rows (also row {second}), keep one row per deal'
        ],
        second: [
            f'CRM ID: "SAME-CRM" appears on several rows (also row {first}), keep one row per deal'
        ],
    }
    assert crm_counts(world, "SAME") == Counter()


def test_the_same_referral_id_in_two_chunks_fails_both_rows(world: World, reading: str) -> None:
    settings = big(world)
    base = jobs.run_job(world.db, submit(world, csv_bytes(deals("RID", 2)), settings), settings)
    [one, _] = results_of(world, base)
    rows = [{"Referral ID": "", **r} for r in deals("FILL", 3 * CHUNK)]
    rows[1] = {**rows[1], "Referral ID": one["Referral ID"].lower(), "Notes": "a"}
    rows[-1] = {**rows[-1], "Referral ID": one["Referral ID"], "Notes": "b"}
    job = jobs.run_job(world.db, submit(world, csv_bytes(rows), settings), settings)
    assert job.import_summary is not None
    failures = {f.row: list(f.errors) for f in job.import_summary.failures}
    assert sorted(failures) == [3, 3 * CHUNK + 1]
    assert all("appears on several rows" in e[0] for e in failures.values())


def test_the_date_order_is_decided_by_all_chunks(world: World, reading: str) -> None:
    settings = big(world)
    rows = deals("DATE", 3 * CHUNK, Estimated_Close_Date="1/30/2027")
    rows[-1]["Estimated Close Date"] = "30/01/2027"  # day first, against every other row
    job = jobs.run_job(world.db, submit(world, csv_bytes(rows), settings), settings)
    assert job.import_summary is not None
    failures = {f.row: list(f.errors) for f in job.import_summary.failures}
    assert list(failures) == [3 * CHUNK + 1]
    assert "written day first but row 2 writes month first" in failures[3 * CHUNK + 1][0]


def test_rows_of_one_file_are_not_look_alikes_of_each_other_across_chunks(
    world: World, reading: str
) -> None:
    """As in one transaction: two equal rows without IDs both create a deal, wherever the
    chunks cut; a row equal to a deal stored before the file is that deal."""
    settings = big(world)
    before = jobs.run_job(
        world.db, submit(world, csv_bytes([row(Deal_Name="Stored", CRM_ID="")]), settings), settings
    )
    assert before.import_summary is not None and before.import_summary.created == 1
    rows = deals("LOOK", 3 * CHUNK)
    twin = row(Deal_Name="Twin deal", CRM_ID="")
    rows[0], rows[-1] = twin, dict(twin)
    rows[CHUNK + 1] = row(Deal_Name="Stored", CRM_ID="")
    job = jobs.run_job(world.db, submit(world, csv_bytes(rows), settings), settings)
    assert job.import_summary is not None
    assert (
        job.import_summary.created,
        job.import_summary.unchanged,
        job.import_summary.failed,
    ) == (
        3 * CHUNK - 1,
        1,
        0,
    ), job.import_summary.failures


def test_a_big_dry_run_checks_every_row_and_writes_nothing(world: World, reading: str) -> None:
    settings = big(world)
    rows = deals("DRY", 4 * CHUNK)
    rows[CHUNK * 2]["Deal Name"] = ""
    job = jobs.run_job(world.db, submit(world, csv_bytes(rows), settings, dry_run=True), settings)
    assert job.import_summary is not None
    assert (job.import_summary.dry_run, job.import_summary.created, job.import_summary.failed) == (
        True,
        4 * CHUNK - 1,
        1,
    )
    assert crm_counts(world, "DRY") == Counter()
    with world.db.read() as conn:
        assert ReferralRepository(conn, world.admin).pk_of("x") is None
        assert conn.execute(select(func.count()).select_from(H)).scalar_one() == 0
    lines = results_of(world, job)
    assert len(lines) == 4 * CHUNK
    assert lines[CHUNK * 2]["Import Result"] == "Failed"
    assert chunk_rows(world) == 0


def test_a_big_file_over_the_row_limit_is_rejected_before_anything_is_written(
    world: World, reading: str
) -> None:
    settings = big(world, max_import_rows=3 * CHUNK)
    job = jobs.run_job(
        world.db, submit(world, csv_bytes(deals("OVER", 3 * CHUNK + 1)), settings), settings
    )
    assert job.status == job_store.REJECTED
    assert (
        job.error
        == f"The file has {3 * CHUNK + 1:,} records; at most {3 * CHUNK:,} can be processed"
    )
    assert crm_counts(world, "OVER") == Counter()


def test_a_quote_never_closed_far_down_rejects_the_file_before_any_chunk(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "WHOLE_FILE_BYTES", 0)
    settings = big(world)
    data = csv_bytes(deals("QUOTE", 3 * CHUNK)) + b'"never closed,\r\n'
    job = jobs.run_job(world.db, submit(world, data, settings), settings)
    assert job.status == job_store.REJECTED
    assert job.error is not None and "a quoted cell is not closed" in job.error
    assert crm_counts(world, "QUOTE") == Counter()
