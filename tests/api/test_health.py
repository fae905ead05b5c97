"""`GET /healthz`: 200 only when the database answers and a worker beat recently;
its JSON tells the queue's depth and the age of the oldest queued job."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from cosell.queue.job_queue import JobQueue
from cosell.services import health
from cosell.services.clock import utcnow
from cosell.store.models import Job, table_of
from cosell.store.sql_backend import SqlBackend
from tests.live import Live, live_server
from tests.ops.procs import deals_file, submit, wait_for
from tests.support import World
from tests.ui.conftest import MakeClient, TestClient, sign_in


@pytest.fixture
def make_client(world: World) -> Iterator[MakeClient]:
    """In-process clients of an app on the test's database (signed in when asked)."""
    from cosell.web.app import create_app

    made = []

    def make(email: str | None = None) -> TestClient:
        app = create_app(world.settings, queue=JobQueue(world.settings, world.db, immediate=True))
        client = TestClient(app, raise_server_exceptions=False)
        made.append(client)
        if email is not None:
            sign_in(client, email)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(scope="module")
def live(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_server(template_db, tmp_path_factory.mktemp("health")) as server:
        yield server


def test_healthz_is_200_with_a_live_worker_and_needs_no_sign_in(live: Live) -> None:
    def healthy() -> httpx.Response | None:
        answer = httpx.get(f"{live.base}/healthz", timeout=5)
        return answer if answer.status_code == 200 else None

    answer = wait_for("the worker's first heartbeat", healthy)
    body = answer.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["worker"]["fresh"] is True
    assert body["worker"]["last_heartbeat_age_s"] < health.FRESH_SECONDS
    assert body["queue"] == {"depth": 0, "running": 0, "oldest_queued_age_s": None}
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_healthz_is_503_when_the_last_heartbeat_is_old(
    world: World, make_client: MakeClient
) -> None:
    client = make_client()
    assert client.get("/healthz").status_code == 503  # no worker ever beat
    health.beat(world.db, "old-host:1", utcnow() - dt.timedelta(seconds=health.FRESH_SECONDS + 5))
    answer = client.get("/healthz")
    assert answer.status_code == 503, answer.text
    assert answer.json()["worker"]["fresh"] is False
    assert answer.json()["status"] == "unavailable"
    health.beat(world.db, "new-host:2", utcnow())
    assert client.get("/healthz").status_code == 200


def test_healthz_gives_queue_depth_and_the_oldest_job_age(
    world: World, make_client: MakeClient
) -> None:
    client = make_client()
    health.beat(world.db, "host:1", utcnow())
    ids = [submit(world, deals_file(f"Q{i}", 1), enqueue=False) for i in range(3)]
    jobs = table_of(Job)
    with world.db.write() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == ids[0])
            .values(created_at=utcnow() - dt.timedelta(seconds=125))
        )
    body = client.get("/healthz").json()
    assert body["queue"]["depth"] == 3
    assert 124 <= body["queue"]["oldest_queued_age_s"] < 200


def test_healthz_is_503_when_the_database_cannot_be_reached(
    world: World, make_client: MakeClient, tmp_path: Path
) -> None:
    client = make_client()
    health.beat(world.db, "host:1", utcnow())
    assert client.get("/healthz").status_code == 200
    state = client.app.state  # type: ignore[attr-defined]
    state.ctx = dataclasses.replace(
        state.ctx, db=SqlBackend(f"sqlite:///{tmp_path / 'missing' / 'gone.db'}")
    )
    answer = client.get("/healthz")
    assert answer.status_code == 503, answer.text
    assert answer.json()["database"] == "unreachable"
    assert "Traceback" not in answer.text


def test_pages_say_when_jobs_have_waited_over_a_minute(
    world: World, make_client: MakeClient
) -> None:
    client = make_client(world.admin.email)
    job_id = submit(world, deals_file("WAIT", 1), enqueue=False)
    assert "queue-notice" not in client.get("/imports").text  # queued just now
    jobs = table_of(Job)
    with world.db.write() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(created_at=utcnow() - dt.timedelta(minutes=3))
        )
    for path in ("/", "/imports", "/exports"):
        page = client.get(path)
        assert 'id="queue-notice"' in page.text, path
        assert "waiting longer than usual" in page.text
    # Another organization's backlog is not this one's business.
    other = make_client(world.other_admin.email)
    assert "queue-notice" not in other.get("/imports").text
    JobQueue(world.settings, world.db, immediate=True).enqueue(job_id)
    assert "queue-notice" not in client.get("/imports").text
