"""`cosell serve` keeps its worker running: a killed worker is reaped, restarted with
backoff and logged, and `/healthz` tells whether jobs will run."""

from __future__ import annotations

import os
import re
import signal
import time
from functools import partial
from pathlib import Path

import httpx
import pytest

from cosell.store import jobs as job_store
from tests.ops.procs import Procs, Server, crm_ids, deals_file, finished, wait_for
from tests.support import World

pytestmark = pytest.mark.slow

KILLS = 5


def worker_pids(server: Server) -> list[int]:
    return [int(p) for p in re.findall(r"worker started \(pid (\d+)\)", server.output())]


def state(pid: int) -> str | None:
    """The State line of /proc/PID/status ("Z (zombie)" …); None when the pid is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    found = re.search(r"^State:\s*(.+)$", text, re.MULTILINE)
    return found.group(1) if found else None


def newest_worker(server: Server, started_before: int) -> int | None:
    """The newest worker's pid once more than `started_before` workers have started."""
    pids = worker_pids(server)
    return pids[-1] if len(pids) > started_before else None


def gone(pid: int) -> bool:
    return state(pid) is None


def healthz(server: Server) -> httpx.Response:
    return httpx.get(f"{server.base}/healthz", timeout=5)


def test_a_killed_worker_is_reaped_restarted_and_runs_the_next_upload(
    world: World, procs: Procs
) -> None:
    server = procs.server()
    wait_for("a fresh worker heartbeat", lambda: healthz(server).status_code == 200)
    restarts: list[float] = []
    for kill in range(1, KILLS + 1):
        old = worker_pids(server)[-1]
        os.kill(old, signal.SIGKILL)
        killed = time.monotonic()
        new = wait_for(f"worker restart #{kill}", partial(newest_worker, server, kill), timeout=30)
        restarts.append(time.monotonic() - killed)
        assert new != old
        # Reaped by the server: gone from the process table, not left a zombie.
        wait_for(f"pid {old} to be reaped", partial(gone, old), timeout=5)

        job_id = server.upload(world, deals_file(f"KILL{kill}", 3))
        done = wait_for("the restarted worker to run the upload", partial(finished, world, job_id))
        assert done.status == job_store.COMPLETED, done.error
        assert crm_ids(world, f"KILL{kill}") == [f"KILL{kill}-{i}" for i in range(3)]

    answer = healthz(server)
    assert answer.status_code == 200, answer.text
    log = server.output()
    assert log.count("restarting in") == KILLS, log
    assert "SIGKILL" in log
    assert server.stop() == 0, log
    assert state(worker_pids(server)[-1]) is None, "the last worker outlived the server"
    print(
        f"\nworker kills survived: {KILLS}; restart after kill (s): "
        + ", ".join(f"{s:.2f}" for s in restarts)
    )


def test_restarts_back_off_while_the_worker_keeps_dying(procs: Procs) -> None:
    server = procs.server()
    for kill in range(1, 4):
        wait_for(f"worker #{kill}", partial(newest_worker, server, kill - 1), timeout=30)
        os.kill(worker_pids(server)[-1], signal.SIGKILL)
    wait_for("the third restart", lambda: len(worker_pids(server)) >= 4, timeout=30)
    delays = [float(d) for d in re.findall(r"restarting in ([\d.]+) s", server.output())]
    assert len(delays) == 3, server.output()
    assert delays[0] < delays[1] < delays[2], delays


def test_healthz_answers_503_without_a_worker(procs: Procs) -> None:
    server = procs.server("--no-worker")
    answer = healthz(server)
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["database"] == "ok"
    assert body["worker"]["fresh"] is False
