"""A job whose stored options cannot be used never breaks a reader.

Options are validated before a job is stored (the command line, the API, the
pages). A job stored with options that no longer make sense (an older version,
a bug, a hand edit) shows as failed with a message saying why, in the API, on
the pages and to the worker, which fails it once instead of retrying it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from cosell.domain.job_types import ImportOptions, JobKind
from cosell.queue.job_queue import JobQueue
from cosell.services.clock import utcnow
from cosell.store import jobs as job_store
from cosell.store.models import Job, table_of
from tests.live import Live, live_server
from tests.ops.procs import COSELL, wait_for
from tests.support import ADMIN, World

POISONED: dict[str, Any] = {
    "short search": {"filters": {"tab": "all", "search": "ab"}, "format": "csv"},
    "blank search": {"filters": {"tab": "all", "search": "  ab  "}, "format": "csv"},
    "unknown tab": {"filters": {"tab": "bogus"}, "format": "csv"},
    "filters not an object": {"filters": "everything", "format": "csv"},
    "bad date": {"filters": {"created_from": "2027-13-45"}, "format": "csv"},
    "unknown filter": {"filters": {"colour": ["red"]}, "format": "csv"},
    "unknown format": {"filters": {}, "format": "pdf"},
    "unknown sort": {"filters": {"sort": "-colour"}, "format": "csv"},
    "bad number": {"filters": {"value_min": "lots"}, "format": "csv"},
    "not an object": ["csv"],
}


@pytest.fixture(scope="module")
def live(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_server(template_db, tmp_path_factory.mktemp("poisoned")) as server:
        yield server


def store_job(world: World, kind: str, options: Any, *, raw: str | None = None) -> str:
    """A job stored as an older version or a bug might have left it: no validation."""
    with world.db.write() as conn:
        job_id = job_store.add_job(
            conn,
            org_id=world.admin.org_id,
            user_id=world.admin.user_id or 0,
            kind=JobKind(kind),
            options=ImportOptions(),
            file_name=None,
            input_blob_id=None,
            now=utcnow(),
        )
        text = raw if raw is not None else json.dumps(options)
        conn.execute(update(table_of(Job)).where(table_of(Job).c.id == job_id).values(options=text))
    return job_id


def job_count(world: World) -> int:
    with world.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(Job))).scalar() or 0)


def test_the_command_line_refuses_a_short_search_without_storing_a_job(live: Live) -> None:
    before = job_count(live.world)
    for search in ("ab", "  ab  "):
        done = subprocess.run(
            [str(COSELL), "--database-url", live.world.settings.database_url, "export",
             "--as", ADMIN, "-o", str(live.procs.tmp / "out.csv"), "--search", search],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert "search needs at least 3 characters" in done.stderr
        assert "Traceback" not in done.stderr
    assert job_count(live.world) == before
    with live.client() as api:
        assert api.get("/api/v1/exports").status_code == 200


def test_the_api_refuses_a_blank_padded_search_without_storing_a_job(live: Live) -> None:
    before = job_count(live.world)
    with live.client() as api:
        answer = api.post("/api/v1/exports", json={"filters": {"search": "  ab  "}})
    assert answer.status_code in (400, 422), answer.text
    assert "3 characters" in answer.json()["detail"]
    assert job_count(live.world) == before


def test_poisoned_export_jobs_read_as_failed_everywhere(live: Live) -> None:
    world = live.world
    queue = JobQueue(world.settings, world.db)  # the server's queue: the file beside the db
    ids = {name: store_job(world, "export", options) for name, options in POISONED.items()}
    ids["not JSON"] = store_job(world, "export", None, raw="{not json")
    for job_id in ids.values():
        queue.enqueue(job_id)

    # The worker fails each once, with a message and without a traceback.
    def all_finished() -> bool:
        with world.db.read() as conn:
            return all(job_store.get_job(conn, j).finished for j in ids.values())  # type: ignore[union-attr]

    wait_for("the worker to fail the poisoned jobs", all_finished, timeout=30)
    with world.db.read() as conn:
        for name, job_id in ids.items():
            job = job_store.get_job(conn, job_id)
            assert job is not None
            assert (job.status, job.attempts) == ("failed", 1), (name, job)
            assert job.error and "start the export again" in job.error, (name, job.error)
    assert "Traceback" not in live.server.output()

    with live.client() as api:
        listed = api.get("/api/v1/exports", params={"limit": 100})
        assert listed.status_code == 200, listed.text
        shown = {j["id"]: j for j in listed.json()}
        for name, job_id in ids.items():
            assert shown[job_id]["status"] == "failed", name
            assert "start the export again" in shown[job_id]["error"], name
            one = api.get(f"/api/v1/exports/{job_id}")
            assert one.status_code == 200, (name, one.text)
            assert api.get(f"/api/v1/exports/{job_id}/file").status_code == 404

    page = signed_in(live).get("/exports")
    assert page.status_code == 200, page.text
    assert page.text.count("start the export again") >= len(ids)


def test_a_poisoned_job_not_yet_run_already_reads_as_failed(live: Live) -> None:
    world = live.world
    export_id = store_job(world, "export", POISONED["short search"])
    import_id = store_job(world, "import", {"match": "by-magic", "dry_run": "perhaps"})
    with live.client() as api:
        for kind, job_id in (("exports", export_id), ("imports", import_id)):
            listed = api.get(f"/api/v1/{kind}", params={"limit": 100})
            assert listed.status_code == 200, listed.text
            one = api.get(f"/api/v1/{kind}/{job_id}")
            assert one.status_code == 200, one.text
            assert one.json()["status"] == "failed"
            assert "cannot be used" in one.json()["error"]
    client = signed_in(live)
    for path in ("/exports", "/imports", "/"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)


def signed_in(live: Live) -> httpx.Client:
    client = httpx.Client(base_url=live.base, timeout=20)
    form = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post(
        "/sign-in",
        data={"email": ADMIN, "password": "password-123", "csrf_token": token.group(1)},
    )
    assert answer.status_code in (200, 303), answer.text
    return client
