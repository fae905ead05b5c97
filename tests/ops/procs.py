"""Real cosell processes for the fault tests: started from the installed `cosell`
command against a test database, their output kept in a log file to wait on."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select

from cosell.domain.job_types import ImportOptions, JobRecord
from cosell.queue.job_queue import JobQueue
from cosell.services import accounts
from cosell.services import jobs as job_service
from cosell.store import jobs as job_store
from cosell.store.models import Blob, HistoryRow, ReferralRow, table_of
from tests.support import World, csv_bytes, row

COSELL = Path(sys.executable).with_name("cosell")
#: The repository: `tests` is importable from here (`python -m tests.ops.slow_worker`).
ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_output(self, text: str, timeout: float = 20.0) -> None:
        def seen() -> bool:
            if self.popen.poll() is not None and text not in self.output():
                raise AssertionError(f"process ended ({self.popen.returncode}):\n{self.output()}")
            return text in self.output()

        wait_for(f"{text!r} in the output of pid {self.pid}", seen, timeout)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"pid {self.pid} ignored signal {sig}:\n{self.output()}") from None


@dataclass
class Server(Proc):
    base: str

    def worker_pid(self) -> int:
        found = re.search(r"worker started \(pid (\d+)\)", self.output())
        assert found is not None, self.output()
        return int(found.group(1))

    def upload(self, world: World, data: bytes) -> str:
        """`POST /api/v1/imports` as the admin, with an API token; the job's id."""
        token = accounts.create_token(world.db, user_email=world.admin.email)
        return upload(self.base, token, data)


def upload(base: str, token: str, data: bytes) -> str:
    """`POST /api/v1/imports` of a CSV file with a bearer token; the job's id."""
    response = httpx.post(
        f"{base}/api/v1/imports",
        files={"file": ("deals.csv", data, "text/csv")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def import_done(base: str, token: str, job_id: str, timeout: float = 20.0) -> dict[str, Any]:
    """`GET /api/v1/imports/ID` until the job is finished; its JSON."""

    def done() -> dict[str, Any] | None:
        response = httpx.get(
            f"{base}/api/v1/imports/{job_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found if found["status"] not in ("queued", "running") else None

    return wait_for(f"import {job_id} to finish", done, timeout)


def answers(base: str, path: str = "/api/openapi.json", proc: Proc | None = None) -> bool:
    """Whether `base + path` answers 200 (a web server `proc` that ended fails the test)."""
    if proc is not None and proc.popen.poll() is not None:
        raise AssertionError(f"the server ended:\n{proc.output()}")
    try:
        return httpx.get(f"{base}{path}", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


class Procs:
    """Starts processes and makes sure none outlives the test. `settings` (besides the
    database) are given to every process started; `start` may add or override some."""

    def __init__(self, tmp: Path, database_url: str, **settings: str | int | float) -> None:
        self.tmp = tmp
        self.database_url = database_url
        self.settings = settings
        self.started: list[Proc] = []

    def environment(self, **settings: str | int | float) -> dict[str, str]:
        """The environment of a process: this one's, but only these `COSELL_` settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("COSELL_")}
        env["COSELL_DATABASE_URL"] = self.database_url
        env.update({f"COSELL_{k.upper()}": str(v) for k, v in (self.settings | settings).items()})
        return env

    def start(
        self, *args: str, name: str, hold_commit: float | None = None, **settings: str | int | float
    ) -> Proc:
        """`cosell ARGS`; with `hold_commit`, its imports hold their write transaction that
        many seconds before each commit (tests/ops/slow_worker.py)."""
        env = self.environment(**settings)
        command = [str(COSELL), *args]
        if hold_commit is not None:
            command = [sys.executable, "-m", "tests.ops.slow_worker", str(hold_commit), *args]
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        log = self.tmp / f"{name}-{len(self.started)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                process_group=0,  # so `cleanup` ends what it started too
            )
        proc = Proc(popen, log)
        self.started.append(proc)
        return proc

    def worker(self, hold_commit: float | None = None, **settings: str | int | float) -> Proc:
        proc = self.start("worker", name="worker", hold_commit=hold_commit, **settings)
        proc.wait_output("Huey consumer started")
        return proc

    def workers(
        self, count: int, hold_commit: float | None = None, **settings: str | int | float
    ) -> list[Proc]:
        """`count` workers started together, once each consumes (each takes a second or
        two to import)."""
        started = [
            self.start("worker", name="worker", hold_commit=hold_commit, **settings)
            for _ in range(count)
        ]
        for proc in started:
            proc.wait_output("Huey consumer started")
        return started

    def server(self, *args: str, **settings: str | int | float) -> Server:
        """`cosell serve ARGS` on a free port, once it answers."""
        port = free_port()
        return self.serving(
            f"http://127.0.0.1:{port}", "serve", "--port", str(port), *args, **settings
        )

    def serving(self, base: str, *args: str, **settings: str | int | float) -> Server:
        """`cosell ARGS` (a serve command line listening at `base`), once it answers."""
        proc = self.start(*args, name="serve", hold_commit=None, **settings)
        # Generous: `--processes N` starts N interpreters on a machine running others.
        wait_for("the server to answer", lambda: answers(base, proc=proc), timeout=60)
        return Server(proc.popen, proc.log, base)

    def cleanup(self) -> None:
        for proc in self.started:
            if proc.popen.poll() is None:
                # Its process group: also the processes of `serve --processes N`.
                os.killpg(proc.pid, signal.SIGKILL)
                proc.popen.wait()


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def descendants(pid: int) -> set[int]:
    """The processes `pid` started, and theirs, down the tree (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def db_path(world: World) -> Path:
    return Path(world.settings.database_url.removeprefix("sqlite:///"))


def write_locked(path: Path) -> bool:
    """Whether another connection holds the SQLite write lock right now."""
    con = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    else:
        con.execute("ROLLBACK")
        return False
    finally:
        con.close()


def deals_file(prefix: str, count: int) -> bytes:
    return csv_bytes(
        [row(Deal_Name=f"{prefix} deal {i}", CRM_ID=f"{prefix}-{i}") for i in range(count)]
    )


def submit(world: World, data: bytes, *, enqueue: bool = True) -> str:
    """What the upload endpoint does: store file and job, then hand the id to the queue."""
    job_id = job_service.submit_import(
        world.db, world.admin, "deals.csv", data, ImportOptions(), world.settings
    )
    if enqueue:
        JobQueue(world.settings, world.db).enqueue(job_id)
    return job_id


def job(world: World, job_id: str) -> JobRecord:
    with world.db.read() as conn:
        found = job_store.get_job(conn, job_id)
    assert found is not None
    return found


def finished(world: World, job_id: str) -> JobRecord | None:
    found = job(world, job_id)
    return found if found.finished else None


def crm_ids(world: World, prefix: str) -> list[str]:
    r = table_of(ReferralRow)
    with world.db.read() as conn:
        rows = conn.execute(select(r.c.crm_id).where(r.c.crm_id.like(f"{prefix}-%"))).all()
    return sorted(x[0] for x in rows)


def history_of_job(world: World, job_id: str) -> int:
    h = table_of(HistoryRow)
    with world.db.read() as conn:
        return int(
            conn.execute(select(func.count()).select_from(h).where(h.c.job_id == job_id)).scalar()
            or 0
        )


def blob_names(world: World) -> list[str]:
    b = table_of(Blob)
    with world.db.read() as conn:
        return sorted(r[0] for r in conn.execute(select(b.c.name)))
