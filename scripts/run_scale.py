"""`make run-scale`: the scale-out mode on this machine, in one command.

Under DATA (default var/scale) it keeps a PostgreSQL cluster and a Redis server of its
own, sets the database up with the demo organization (`cosell init --demo`), then runs
`cosell serve --no-worker --processes 2` and 3 `cosell worker` processes. It prints what
runs where, and on Ctrl-C (or SIGTERM) stops everything it started, in this order: the
web server, the workers, Redis, PostgreSQL. Should the script itself be killed, the
kernel signals every process it started (PR_SET_PDEATHSIG), so none outlives it.

Running it again reuses DATA: the cluster, Redis' snapshot and the (appended) logs.

    python scripts/run_scale.py [--data DIR] [--host H] [--port N] [--pg-port N]
                                [--redis-port N] [--workers N] [--processes N]

PostgreSQL refuses to run as root: as root, the cluster is made and run as the
`postgres` user, which must be able to reach DATA (every parent folder searchable).
The cluster trusts local connections (initdb -A trust): it is for development only.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosell.errors import UsageError
from cosell.store.backup import pg_program

COSELL = Path(sys.executable).with_name("cosell")
DB_NAME = "cosell"
#: The last line printed once everything answers (tests wait for it).
READY = "run-scale ready:"


class Failed(Exception):
    """Something could not be started; the message says what and where to look."""


class Stopped(Exception):
    """SIGINT or SIGTERM reached the script."""


@dataclass
class Child:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    #: How it is asked to stop, and how long it is given before it is killed.
    stop_signal: int
    grace: float


def _die_with_parent(sig: int) -> Callable[[], None] | None:
    """A preexec function asking the kernel to send `sig` to the child when this script
    ends, however it ends (Linux only). It runs after the child took its user id, so the
    setting survives that change."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(1, sig, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the script ended before the line above ran
            os.kill(os.getpid(), sig)

    return preexec


def _free(port: int) -> bool:
    with socket.socket() as s:
        # As the servers bind: connections of a previous run in TIME_WAIT do not count.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pg_bin(name: str) -> str:
    try:
        return pg_program(name)
    except UsageError as exc:
        raise Failed(exc.message) from None


class Stack:
    """The processes of one run, stopped in the reverse order of their start."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data: Path = args.data.resolve()
        self.logs = self.data / "logs"
        self.pg_dir = self.data / "pg"
        self.pg_data = self.pg_dir / "data"
        self.redis_dir = self.data / "redis"
        self.children: list[Child] = []
        self.pg_user = "postgres" if os.geteuid() == 0 else None
        self.database_url = f"postgresql://postgres@127.0.0.1:{args.pg_port}/{DB_NAME}"
        self.queue_url = f"redis://127.0.0.1:{args.redis_port}/0"
        self.web = f"http://{args.host}:{args.port}"
        self.hurry = False  # a second signal while stopping: kill what is left

    # -- starting ------------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        argv: list[str],
        log_name: str,
        *,
        stop_signal: int = signal.SIGINT,
        grace: float = 15.0,
        as_postgres: bool = False,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Child:
        log = self.logs / log_name
        with log.open("ab") as out:
            out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
            out.flush()
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                **(self.as_postgres() if as_postgres else {}),
                # Its own process group: Ctrl-C reaches this script only, which then
                # stops the processes in order.
                process_group=0,
                preexec_fn=_die_with_parent(stop_signal),
            )
        child = Child(name, popen, log, stop_signal, grace)
        self.children.append(child)
        return child

    def as_postgres(self) -> dict[str, Any]:
        """Popen's arguments that run a program as the `postgres` user (as root), with
        that user's group and no other; nothing otherwise."""
        if self.pg_user is None:
            return {}
        return {"user": self.pg_user, "group": self.pg_user, "extra_groups": []}

    def cosell_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["COSELL_DATABASE_URL"] = self.database_url
        env["COSELL_QUEUE_URL"] = self.queue_url
        return env

    def check_ports(self) -> None:
        for what, port, option in (
            ("the web server", self.args.port, "--port (make run-scale PORT=…)"),
            ("PostgreSQL", self.args.pg_port, "--pg-port"),
            ("Redis", self.args.redis_port, "--redis-port"),
        ):
            if not _free(port):
                raise Failed(
                    f"port {port} for {what} is taken (another run-scale still running?); "
                    f"stop that, or choose another with {option}"
                )

    def prepare_folders(self) -> None:
        for folder in (self.logs, self.redis_dir, self.pg_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if self.pg_user is None:
            return
        # The server runs as postgres: it owns its folder (the socket lives there too).
        shutil.chown(self.pg_dir, self.pg_user, self.pg_user)
        self.pg_dir.chmod(0o755)
        reach = subprocess.run(["test", "-w", str(self.pg_dir)], cwd="/", **self.as_postgres())
        if reach.returncode != 0:
            raise Failed(
                f"the postgres user cannot reach {self.pg_dir}: every folder above it must "
                "be searchable by others (chmod o+x), or choose another --data"
            )

    def start_postgres(self) -> None:
        version_file = self.pg_data / "PG_VERSION"
        binaries = re.search(r"/postgresql/(\d+)/bin/", _pg_bin("postgres"))
        if version_file.exists():
            made_by = version_file.read_text().strip()
            if binaries and binaries.group(1) != made_by:
                raise Failed(
                    f"{self.pg_data} was made by PostgreSQL {made_by}, but PostgreSQL "
                    f"{binaries.group(1)} is installed: remove {self.data} to start afresh"
                )
            print(f"PostgreSQL: reusing the cluster in {self.pg_data}", flush=True)
        else:
            print(f"PostgreSQL: creating a cluster in {self.pg_data}", flush=True)
            made = subprocess.run(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.pg_data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
                cwd=self.pg_dir,
                capture_output=True,
                text=True,
                check=False,
                **self.as_postgres(),
            )
            if made.returncode != 0:
                raise Failed(f"initdb failed:\n{made.stdout}{made.stderr}")
        postgres = self.spawn(
            "PostgreSQL",
            [
                _pg_bin("postgres"),
                "-D",
                str(self.pg_data),
                "-p",
                str(self.args.pg_port),
                "-k",
                str(self.pg_dir),
                "-c",
                "listen_addresses=127.0.0.1",
            ],
            "postgresql.log",
            stop_signal=signal.SIGINT,  # "fast" shutdown: ends sessions, checkpoints
            grace=30.0,
            as_postgres=True,
            cwd=self.pg_dir,
        )
        self.wait(postgres, "PostgreSQL to accept connections", self._postgres_answers, 60)
        self._create_database()

    def _postgres_answers(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(
                host=str(self.pg_dir),
                port=self.args.pg_port,
                user="postgres",
                dbname="postgres",
                connect_timeout=2,
            ):
                return True
        except psycopg.OperationalError:
            return False

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.pg_dir),
            port=self.args.pg_port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
            if found.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise Failed("redis-server was not found: install redis-server (make system-deps)")
        redis = self.spawn(
            "Redis",
            [
                binary,
                "--port",
                str(self.args.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.redis_dir),
                "--daemonize",
                "no",
            ],
            "redis.log",
            stop_signal=signal.SIGTERM,  # saves its snapshot, then exits
            grace=15.0,
        )
        self.wait(redis, "Redis to answer", self._redis_answers, 30)

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.args.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def init_database(self) -> None:
        print(f"$ cosell init --demo   (COSELL_DATABASE_URL={self.database_url})", flush=True)
        done = subprocess.run(
            [str(COSELL), "init", "--demo"],
            env=self.cosell_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        for line in (done.stdout + done.stderr).splitlines():
            print(f"  {line}", flush=True)
        if done.returncode != 0:
            raise Failed(f"cosell init --demo failed (exit {done.returncode})")

    def start_cosell(self) -> None:
        env = self.cosell_env()
        for n in range(1, self.args.workers + 1):
            self.spawn(f"worker {n}", [str(COSELL), "worker"], f"worker-{n}.log", env=env)
        web = self.spawn(
            "web",
            [
                str(COSELL),
                "serve",
                "--no-worker",
                "--processes",
                str(self.args.processes),
                "--host",
                self.args.host,
                "--port",
                str(self.args.port),
            ],
            "web.log",
            env=env,
        )
        self.wait(web, "the web server and every worker", self._all_up, 120)

    def _all_up(self) -> bool:
        for child in self.children:
            self._check_alive(child)
        try:
            with urllib.request.urlopen(f"{self.web}/healthz", timeout=2) as answer:
                health: dict[str, Any] = json.load(answer)
        except (urllib.error.URLError, OSError, ValueError):
            return False  # a 503 too: no worker has beaten yet
        workers: int = self.args.workers
        return int(health["worker"]["count"]) >= workers

    def wait(self, child: Child, what: str, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self._check_alive(child)
            if time.monotonic() > deadline:
                raise Failed(f"timed out after {timeout:.0f} s waiting for {what}: see {child.log}")
            time.sleep(0.1)

    def _check_alive(self, child: Child) -> None:
        code = child.popen.poll()
        if code is not None:
            raise Failed(f"{child.name} (pid {child.popen.pid}) ended ({code}): see {child.log}")

    # -- running -------------------------------------------------------------------------

    def banner(self) -> None:
        from cosell.services.demo import DEMO_PASSWORD, DEMO_USERS

        pids = {c.name: c.popen.pid for c in self.children}
        workers = [c for c in self.children if c.name.startswith("worker")]
        rel = _relative
        print(
            "\n".join(
                [
                    "",
                    "cosell runs in the scale-out mode:",
                    f"  web         {self.web}/   (API docs {self.web}/api/docs, "
                    f"health {self.web}/healthz)",
                    f"              cosell serve --no-worker --processes {self.args.processes}, "
                    f"pid {pids['web']}, log {rel(self.logs / 'web.log')}",
                    f"  workers     {len(workers)} × cosell worker, pids "
                    f"{', '.join(str(c.popen.pid) for c in workers)}, logs "
                    f"{rel(self.logs)}/worker-1..{len(workers)}.log",
                    f"  PostgreSQL  {self.database_url}   (socket in {rel(self.pg_dir)})",
                    f"              pid {pids['PostgreSQL']}, data {rel(self.pg_data)}, "
                    f"log {rel(self.logs / 'postgresql.log')}",
                    f"  Redis       {self.queue_url}",
                    f"              pid {pids['Redis']}, data {rel(self.redis_dir)}, "
                    f"log {rel(self.logs / 'redis.log')}",
                    f"  sign in     {', '.join(e for e, _, _ in DEMO_USERS)}  "
                    f"password: {DEMO_PASSWORD}",
                    f"  the CLI     COSELL_DATABASE_URL={self.database_url} "
                    f"COSELL_QUEUE_URL={self.queue_url} {rel(COSELL)} …",
                    "",
                    f"{READY} {self.web}/ (Ctrl-C stops everything)",
                ]
            ),
            flush=True,
        )

    def watch(self) -> None:
        """Until a signal: should any process end, say so and stop everything."""
        while True:
            for child in self.children:
                self._check_alive(child)
            time.sleep(0.5)

    # -- stopping ------------------------------------------------------------------------

    def stop_all(self) -> None:
        """Stop the web server first (no new uploads), then the workers together (each
        hands back or finishes its job), then Redis and PostgreSQL."""
        web = [c for c in self.children if c.name == "web"]
        workers = [c for c in self.children if c.name.startswith("worker")]
        servers = [c for c in reversed(self.children) if c not in web and c not in workers]
        for group in (web, workers, *([c] for c in servers)):
            for child in group:
                if child.popen.poll() is None:
                    child.popen.send_signal(child.stop_signal)
            for child in group:
                self._wait_stopped(child)
        self.children.clear()

    def _wait_stopped(self, child: Child) -> None:
        deadline = time.monotonic() + child.grace
        while child.popen.poll() is None and time.monotonic() < deadline and not self.hurry:
            time.sleep(0.05)
        if child.popen.poll() is None:
            print(f"{child.name} (pid {child.popen.pid}) did not stop: killing it", flush=True)
            # Its process group: the process and what it started (a server's children).
            os.killpg(child.popen.pid, signal.SIGKILL)
        child.popen.wait()
        print(f"stopped {child.name} (pid {child.popen.pid})", flush=True)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path("var/scale"), help="data folder")
    parser.add_argument("--host", default="127.0.0.1", help="web server address")
    parser.add_argument("--port", type=int, default=8000, help="web server port")
    parser.add_argument("--pg-port", type=int, default=54329, help="PostgreSQL port")
    parser.add_argument("--redis-port", type=int, default=63799, help="Redis port")
    parser.add_argument("--workers", type=int, default=3, help="cosell worker processes")
    parser.add_argument("--processes", type=int, default=2, help="web server processes")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.processes < 1:
        parser.error("--workers and --processes must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    stack = Stack(parse(argv))

    def on_signal(signum: int, _frame: Any) -> None:
        if signum == signal.SIGINT:
            print(flush=True)  # past the ^C the terminal echoed
        raise Stopped

    def while_stopping(_signum: int, _frame: Any) -> None:
        stack.hurry = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        stack.check_ports()
        stack.prepare_folders()
        stack.start_postgres()
        stack.start_redis()
        stack.init_database()
        stack.start_cosell()
        stack.banner()
        stack.watch()
    except Stopped:
        print("stopping…", flush=True)
    except Failed as exc:
        print(f"run-scale: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        signal.signal(signal.SIGINT, while_stopping)
        signal.signal(signal.SIGTERM, while_stopping)
        stack.stop_all()
    return code


if __name__ == "__main__":
    sys.exit(main())
