"""Stored files in parts: written from a stream and read back as one, a part at a time;
files stored before parts existed still read; retention and `cosell check` know the
parts."""

from __future__ import annotations

import datetime as dt
import io
import os
import sqlite3
import uuid
from contextlib import closing

import pytest
from sqlalchemy import delete, func, insert, select

from cosell.domain.job_summaries import ImportSummary
from cosell.domain.job_types import ImportOptions, JobKind
from cosell.errors import Conflict, FileRejected
from cosell.services import jobs, results_data, upkeep
from cosell.services.clock import utcnow
from cosell.store import integrity
from cosell.store import jobs as job_store
from cosell.store.models import Blob, BlobPart, ImportChunk, table_of
from tests.support import World, csv_bytes, read_csv, row

B, P = table_of(Blob), table_of(BlobPart)
MIB = job_store.PART_SIZE


def put(world: World, data: bytes) -> str:
    with world.db.write() as conn:
        return job_store.put_blob(
            conn,
            org_id=world.admin.org_id,
            name="f.bin",
            content_type="application/octet-stream",
            data=data,
            now=utcnow(),
        )


def part_sizes(world: World, blob_id: str) -> list[int]:
    with world.db.read() as conn:
        rows = conn.execute(
            select(P.c.data).where(P.c.blob_id == blob_id).order_by(P.c.position)
        ).scalars()
        return [len(bytes(r)) for r in rows]


def read_all(world: World, blob_id: str) -> tuple[bytes, bytes, bytes]:
    org = world.admin.org_id
    with world.db.read() as conn:
        whole = job_store.get_blob(conn, org, blob_id)
        info = job_store.blob_info(conn, org, blob_id)
    assert whole is not None and info is not None
    reader = job_store.open_blob(world.db, org, blob_id)
    assert reader is not None
    streamed = io.BufferedReader(reader, 4096).read()
    parts = b"".join(job_store.iter_blob(world.db, info))
    return whole[2], streamed, parts


def test_a_file_is_stored_in_parts_and_reads_back_whole(world: World) -> None:
    data = os.urandom(3 * MIB + 12345)
    blob_id = put(world, data)
    assert part_sizes(world, blob_id) == [MIB, MIB, MIB, 12345]
    with world.db.read() as conn:
        info = job_store.blob_info(conn, world.admin.org_id, blob_id)
    assert info is not None and (info.size, info.parts) == (len(data), 4)
    assert read_all(world, blob_id) == (data, data, data)


def test_a_stream_of_small_pieces_is_stored_in_whole_parts(world: World) -> None:
    data = os.urandom(2 * MIB + 1)
    pieces = [data[i : i + 70_001] for i in range(0, len(data), 70_001)]
    with world.db.write() as conn:
        blob_id = job_store.put_blob_stream(
            conn,
            org_id=world.admin.org_id,
            name="f.bin",
            content_type="x",
            source=iter(pieces),
            now=utcnow(),
        )
    assert part_sizes(world, blob_id) == [MIB, MIB, 1]
    assert read_all(world, blob_id)[1] == data


def test_an_empty_file_has_no_parts(world: World) -> None:
    blob_id = put(world, b"")
    assert part_sizes(world, blob_id) == []
    assert read_all(world, blob_id) == (b"", b"", b"")


def test_a_file_stored_before_parts_existed_still_reads(world: World) -> None:
    data = csv_bytes([row(Deal_Name="Old upload")])
    blob_id = str(uuid.uuid4())
    with world.db.write() as conn:  # as migration 0006 and earlier stored every file
        conn.execute(
            insert(B).values(
                id=blob_id,
                org_id=world.admin.org_id,
                name="old.csv",
                content_type="application/octet-stream",
                size=len(data),
                data=data,
                created_at=utcnow(),
            )
        )
        job_id = job_store.add_job(
            conn,
            org_id=world.admin.org_id,
            user_id=world.admin.user_id or 0,
            kind=JobKind.IMPORT,
            options=ImportOptions(),
            file_name="old.csv",
            input_blob_id=blob_id,
            now=utcnow(),
        )
    assert read_all(world, blob_id) == (data, data, data)
    done = jobs.run_job(world.db, job_id, world.settings)
    assert done.import_summary is not None and done.import_summary.created == 1


def test_an_upload_streamed_past_the_limit_stores_nothing(world: World) -> None:
    settings = world.settings.model_copy(update={"max_upload_bytes": MIB + 10})
    with pytest.raises(FileRejected, match="can be processed"):
        jobs.submit_import_file(
            world.db,
            world.admin,
            "big.csv",
            io.BytesIO(b"x" * (2 * MIB)),
            ImportOptions(),
            settings,
        )
    with world.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(B)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(P)).scalar_one() == 0


def test_retention_deletes_the_parts_a_few_big_files_a_round(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [put(world, os.urandom(MIB + 1)) for _ in range(3)]
    monkeypatch.setattr(job_store, "DELETE_BYTES_PER_ROUND", 2 * MIB)
    later = utcnow() + dt.timedelta(days=1)
    with world.db.write() as conn:
        assert job_store.delete_files_before(conn, later, 200) == 1  # 2 would pass the cap
    with world.db.write() as conn:
        assert job_store.delete_files_before(conn, later, 200) == 1
    with world.db.write() as conn:
        assert job_store.delete_files_before(conn, later, 200) == 1
        assert job_store.delete_files_before(conn, later, 200) == 0
    with world.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(P)).scalar_one() == 0
        assert conn.execute(select(B.c.id).where(B.c.id.in_(ids))).first() is None


def test_check_reports_files_whose_parts_are_missing(world: World) -> None:
    blob_id = put(world, os.urandom(2 * MIB))
    with world.db.read() as conn:
        assert integrity.broken_files(conn) == []
    with world.db.write() as conn:
        conn.execute(delete(P).where(P.c.blob_id == blob_id, P.c.position == 1))
    with world.db.read() as conn:
        [problem] = integrity.broken_files(conn)
    assert problem.check == "incomplete files" and problem.ids == (blob_id,)
    report = upkeep.check(world.db, world.settings)
    assert any(p.check == "incomplete files" for p in report.problems)


@pytest.mark.sqlite_only("writes a part of no file with foreign keys off, as a bad restore can")
def test_check_reports_parts_of_no_file(world: World) -> None:
    path = world.settings.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as raw, raw:  # foreign keys are off by default
        raw.execute("INSERT INTO blob_parts (blob_id, position, data) VALUES ('gone', 0, x'00')")
    with world.db.read() as conn:
        [problem] = integrity.broken_files(conn)
    assert problem.check == "orphan blob_parts" and problem.ids == ("gone",)


def test_a_big_import_that_fails_for_good_says_how_many_rows_stay(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cosell.services import imports

    settings = world.settings.model_copy(
        update={"import_chunk_rows": 5, "max_import_rows": 1000, "job_max_attempts": 1}
    )
    real = imports.apply_records
    calls: list[int] = []

    def third_chunk_breaks(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "apply_records", third_chunk_breaks)
    data = csv_bytes([row(Deal_Name=f"Failing deal {i}") for i in range(20)])
    job_id = jobs.submit_import(world.db, world.admin, "f.csv", data, ImportOptions(), settings)
    with pytest.raises(OSError):
        jobs.run_job(world.db, job_id, settings)
    with world.db.read() as conn:
        failed = job_store.get_job(conn, job_id)
        chunks = conn.execute(select(func.count()).select_from(table_of(ImportChunk)))
        assert chunks.scalar_one() == 0
    assert failed is not None and failed.status == job_store.FAILED
    assert failed.error == (
        "the job failed: OSError: disk full (10 of its rows were imported before it failed, "
        "and stay)"
    )


def test_results_of_a_big_import_download_in_parts_and_convert(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cosell.files.reader import read_table
    from tests.files.builders import header_score

    monkeypatch.setattr(jobs, "WHOLE_FILE_BYTES", 1000)
    monkeypatch.setattr(results_data, "IN_MEMORY_BYTES", 1000)
    settings = world.settings.model_copy(update={"import_chunk_rows": 50, "max_import_rows": 500})
    data = csv_bytes([row(Deal_Name=f"Download deal {i}") for i in range(120)])
    job_id = jobs.submit_import(world.db, world.admin, "d.csv", data, ImportOptions(), settings)
    job = jobs.run_job(world.db, job_id, settings)
    name, parts, fmt = results_data.open_results(world.db, world.admin.org_id, job)
    assert (name, fmt) == ("d-results.csv", "csv") and not isinstance(parts, bytes)
    lines = read_csv(b"".join(parts))
    assert [line["Deal Name"] for line in lines] == [f"Download deal {i}" for i in range(120)]
    name, parts, fmt = results_data.open_results(world.db, world.admin.org_id, job, "xlsx")
    assert (name, fmt) == ("d-results.xlsx", "xlsx")
    workbook = b"".join([parts] if isinstance(parts, bytes) else parts)
    table = read_table(workbook, header_score=header_score)
    column = table.headers.index("Deal Name")
    assert [r.cells[column] for r in table.rows] == [f"Download deal {i}" for i in range(120)]


def test_results_files_come_from_the_results_data_in_either_format(world: World) -> None:
    from cosell.files.reader import read_table
    from tests.files.builders import header_score

    data = csv_bytes([row(Deal_Name="=1+1 looks like a formula"), row(Currency="EURO")])
    job_id = jobs.submit_import(
        world.db, world.admin, "d.csv", data, ImportOptions(), world.settings
    )
    job = jobs.run_job(world.db, job_id, world.settings)
    with world.db.read() as conn:
        info = job_store.blob_info(conn, world.admin.org_id, job.result_blob_id or "")
    assert info is not None and info.content_type == results_data.CONTENT_TYPE
    name, csv_file, fmt = results_data.open_results(world.db, world.admin.org_id, job)
    assert (name, fmt) == ("d-results.csv", "csv") and isinstance(csv_file, bytes)
    lines = read_csv(csv_file)
    assert lines[0]["Deal Name"] == "'=1+1 looks like a formula"  # guarded in a CSV file
    assert [line["Import Result"] for line in lines] == ["Created", "Failed"]
    name, xlsx_file, fmt = results_data.open_results(world.db, world.admin.org_id, job, "xlsx")
    assert (name, fmt) == ("d-results.xlsx", "xlsx") and isinstance(xlsx_file, bytes)
    table = read_table(xlsx_file, header_score=header_score)
    assert table.headers == list(lines[0])
    column = table.headers.index("Deal Name")
    assert table.rows[0].cells[column] == "=1+1 looks like a formula"  # a text cell there


def test_a_results_file_written_before_results_data_downloads_as_it_is(world: World) -> None:
    old = b"Errors,Deal Name,Import Result\r\n,Old deal,Created\r\n"
    with world.db.write() as conn:
        blob_id = job_store.put_blob(
            conn, org_id=world.admin.org_id, name="old-results.csv",
            content_type="text/csv; charset=utf-8", data=old, now=utcnow(),
        )  # fmt: skip
        job_id = job_store.add_job(
            conn, org_id=world.admin.org_id, user_id=world.admin.user_id or 0, kind=JobKind.IMPORT,
            options=ImportOptions(), file_name="old.csv", input_blob_id=None, now=utcnow(),
        )  # fmt: skip
        job_store.finish(
            conn, job_id, status=job_store.COMPLETED, summary=ImportSummary(rows=1, created=1),
            result_blob_id=blob_id, now=utcnow(),
        )  # fmt: skip
        job = job_store.get_job(conn, job_id)
    assert job is not None
    name, parts, fmt = results_data.open_results(world.db, world.admin.org_id, job)
    assert (name, fmt) == ("old-results.csv", "csv")
    assert b"".join([parts] if isinstance(parts, bytes) else parts) == old
    with pytest.raises(Conflict, match="written by an earlier version"):
        results_data.open_results(world.db, world.admin.org_id, job, "xlsx")
