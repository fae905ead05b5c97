"""`make run-scale` (scripts/run_scale.py): PostgreSQL, Redis, the web server and three
workers in one command, as a user runs it; Ctrl-C stops every process it started."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cosell.services import accounts
from cosell.services.demo import DEMO_PASSWORD, DEMO_USERS
from cosell.store.sql_backend import SqlBackend
from tests.ops.procs import (
    Proc,
    alive,
    deals_file,
    descendants,
    free_port,
    import_done,
    upload,
)
from tests.ops.test_scale_web import attempt_sign_in

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run_scale.py"


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's own folder: as root the cluster runs as `postgres`, which must be
    able to reach it (pytest's temporary folders are private to their user)."""
    root = Path(tempfile.mkdtemp(prefix="cosell-run-scale-"))
    root.chmod(0o755)
    try:
        yield root / "scale"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def start(data: Path, tmp: Path, name: str, *args: str) -> tuple[Proc, str]:
    """The script on free ports, once it printed its ready line; and the web's URL."""
    web, pg, redis = free_port(), free_port(), free_port()
    log = tmp / f"{name}.out"
    ports = ["--port", str(web), "--pg-port", str(pg), "--redis-port", str(redis)]
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--data", str(data), *ports, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
    script = Proc(popen, log)
    try:
        script.wait_output("run-scale ready:", timeout=90)
    except BaseException:
        script.stop(signal.SIGINT, timeout=60)
        raise
    return script, f"http://127.0.0.1:{web}"


def stop_and_check(script: Proc, workers: int) -> None:
    started = descendants(script.pid)
    assert script.stop(signal.SIGINT, timeout=60) == 0, script.output()
    left = [pid for pid in started if alive(pid)]
    assert left == [], f"still running after the script ended: {left}\n{script.output()}"
    names = ["web", *(f"worker {n}" for n in range(1, workers + 1)), "Redis", "PostgreSQL"]
    for what in names:
        assert f"stopped {what} (pid" in script.output()


def test_run_scale_serves_runs_jobs_on_workers_and_stops_everything(
    data_dir: Path, tmp_path: Path
) -> None:
    script, base = start(data_dir, tmp_path, "first")
    try:
        printed = script.output()
        assert "PostgreSQL: creating a cluster" in printed
        assert f"{base}/" in printed and "3 × cosell worker" in printed
        assert DEMO_PASSWORD in printed and all(e in printed for e, _, _ in DEMO_USERS)
        found = re.search(r"PostgreSQL\s+(postgresql://\S+)", printed)
        assert found, printed
        # Four cosell processes of the script (web, 3 workers), the web's own two, and
        # the two servers with PostgreSQL's helpers.
        assert len(descendants(script.pid)) >= 4 + 2 + 2

        health = httpx.get(f"{base}/healthz", timeout=10).json()
        assert health["database"] == "ok" and health["worker"]["count"] == 3, health
        with httpx.Client(base_url=base, timeout=10) as client:
            demo_admin = DEMO_USERS[0][0]
            assert attempt_sign_in(client, demo_admin, DEMO_PASSWORD).status_code == 303
            assert client.get("/").status_code == 200

        db = SqlBackend(found.group(1))
        try:
            token = accounts.create_token(db, user_email=demo_admin)
        finally:
            db.dispose()
        job_id = upload(base, token, deals_file("RUNSCALE", 5))
        done = import_done(base, token, job_id)
        assert done["status"] == "completed", done
        assert (done["summary"]["created"], done["summary"]["failed"]) == (5, 0), done
        workers_log = [(data_dir / "logs" / f"worker-{n}.log").read_text() for n in (1, 2, 3)]
        assert sum("Executing cosell" in log for log in workers_log) >= 1
        assert "Executing cosell" not in (data_dir / "logs" / "web.log").read_text()
    finally:
        stop_and_check(script, 3)

    # Again on the same folder (fewer processes, for time): the cluster and its data
    # are kept.
    script, base = start(data_dir, tmp_path, "again", "--workers", "1", "--processes", "1")
    try:
        printed = script.output()
        assert "PostgreSQL: reusing the cluster" in printed
        assert "already exists" in printed
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        with httpx.Client(base_url=base, timeout=10) as client:
            assert attempt_sign_in(client, DEMO_USERS[1][0], DEMO_PASSWORD).status_code == 303
            assert client.get("/").status_code == 200
        assert import_done(base, token, job_id)["status"] == "completed"
    finally:
        stop_and_check(script, 1)
