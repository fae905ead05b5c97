"""`cosell serve`: the web server with its embedded worker child, as a user runs it."""

from __future__ import annotations

import signal

import httpx
import pytest

from cosell.store import jobs as job_store
from tests.ops.procs import Procs, alive, crm_ids, deals_file, finished, wait_for
from tests.support import World

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_answers_runs_jobs_and_stops_with_its_worker(
    world: World, procs: Procs, stop: signal.Signals
) -> None:
    server = procs.server()
    worker_pid = server.worker_pid()
    spec = httpx.get(f"{server.base}/api/openapi.json").json()
    assert spec["info"]["title"] == "cosell"

    job_id = server.upload(world, deals_file("SERVE", 5))
    done = wait_for("the embedded worker to run the job", lambda: finished(world, job_id))
    assert done.status == job_store.COMPLETED
    assert crm_ids(world, "SERVE") == [f"SERVE-{i}" for i in range(5)]

    assert server.stop(stop) == 0, server.output()
    assert not alive(worker_pid), "the worker outlived the server"
    assert "worker stopped" in server.output()
    assert "Traceback" not in server.output()


def test_worker_stops_by_itself_when_the_server_is_killed(procs: Procs) -> None:
    server = procs.server()
    worker_pid = server.worker_pid()
    server.stop(signal.SIGKILL)
    wait_for("the orphaned worker to stop", lambda: not alive(worker_pid), timeout=10)
