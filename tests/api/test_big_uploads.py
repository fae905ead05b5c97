"""A big upload through the API: stored in parts from the upload's temporary file,
imported in chunks, its results file downloaded a part at a time, in either format."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from cosell.files.reader import read_table
from cosell.services import jobs
from cosell.store.models import Blob, Job, table_of
from tests.api.client import Api, csv_rows
from tests.files.builders import header_score
from tests.support import csv_bytes, row

COUNT = 4000  # ~1.1 MB: the upload waits on disk, and is stored in two parts


def test_a_big_upload_is_stored_in_parts_imported_in_chunks_and_downloaded_whole(
    api_with: Callable[..., Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "WHOLE_FILE_BYTES", 0)  # read as a stream, as big files are
    api = api_with(import_chunk_rows=500, max_import_rows=COUNT)
    data = csv_bytes([row(Deal_Name=f"Upload deal {i}", CRM_ID=f"UP-{i}") for i in range(COUNT)])
    assert len(data) > 1024 * 1024

    response = api.upload(data, "big.csv")
    assert response.status_code == 202, response.text
    job = api.get(response.headers["Location"]).json()
    assert job["status"] == "completed", job
    assert (job["progress"], job["total"]) == (COUNT, COUNT)
    assert (job["summary"]["created"], job["summary"]["failed"]) == (COUNT, 0)

    db = api.app.state.ctx.db
    jobs_table, blobs = table_of(Job), table_of(Blob)
    with db.read() as conn:
        parts = conn.execute(
            select(blobs.c.parts, blobs.c.size)
            .join(jobs_table, jobs_table.c.input_blob_id == blobs.c.id)
            .where(jobs_table.c.id == job["id"])
        ).one()
    assert tuple(parts) == (2, len(data))

    results = api.get(f"/api/v1/imports/{job['id']}/results")
    assert results.status_code == 200
    assert "attachment" in results.headers["content-disposition"]
    lines = csv_rows(results.content)
    assert [line["CRM ID"] for line in lines] == [f"UP-{i}" for i in range(COUNT)]
    assert {line["Import Result"] for line in lines} == {"Created"}

    workbook = api.get(f"/api/v1/imports/{job['id']}/results?format=xlsx")
    assert workbook.status_code == 200
    table = read_table(workbook.content, header_score=header_score)
    column = table.headers.index("CRM ID")
    assert [r.cells[column] for r in table.rows] == [f"UP-{i}" for i in range(COUNT)]
