"""Processes: the web server (with an embedded worker child by default) and a worker alone.

The server supervises its embedded worker: should the worker die (killed, out of
memory), the server reaps it at once, logs how it ended and starts a new one after a
backoff that doubles while workers keep dying young. Each worker writes heartbeats
(`services.health`), so `/healthz` tells whether jobs will run.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from typing import Any

from cosell.settings import Settings

log = logging.getLogger("cosell")


def run_worker(settings: Settings, workers: int = 1) -> None:
    """Process jobs until stopped, and take turns at the deployment's upkeep.

    SIGTERM (what systemd, Docker and Kubernetes send) stops gently, as SIGINT does:
    no new job is taken; a job not yet committed is handed back to the queue for the
    other workers, one being committed finishes. A second signal stops at once."""
    from cosell.queue.job_queue import JobQueue
    from cosell.services.backend import backend_for

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    from cosell.services import health

    db = backend_for(settings)
    queue = JobQueue(settings, db)
    consumer = queue.consumer(workers=workers)
    name, stop = health.worker_name(), threading.Event()
    health.start_beating(db, name, stop)
    queue.start_upkeep(stop)
    try:
        consumer.run()
    finally:
        stop.set()
        with contextlib.suppress(Exception):  # a goodbye only: the beat ages out anyway
            health.forget(db, name)


def _worker_main(settings_json: str, server_pid: int) -> None:
    # Out of the terminal's process group: Ctrl-C is meant for the server, which then
    # stops this worker itself. Should the server die without doing so (SIGKILL, OOM),
    # the worker notices and stops too rather than live on as an orphan.
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    threading.Thread(
        target=_stop_with_server, args=(server_pid,), name="server-watch", daemon=True
    ).start()
    with contextlib.suppress(KeyboardInterrupt):  # stopped while still starting up
        run_worker(Settings.model_validate_json(settings_json))


def _stop_with_server(server_pid: int) -> None:
    while os.getppid() == server_pid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGINT)


class _Stop(Exception):
    """SIGTERM or SIGINT reached the server."""


def _raise_stop(signum: int, _frame: Any) -> None:
    raise _Stop(signum)


#: Restart delays: FIRST_DELAY, doubled for each worker that dies within STABLE_SECONDS
#: of its start, up to MAX_DELAY; a worker that lived longer starts the count again.
FIRST_DELAY, MAX_DELAY, STABLE_SECONDS = 0.25, 30.0, 60.0


class Supervisor:
    """Keeps one embedded worker child running until `stop()`."""

    def __init__(self, settings: Settings) -> None:
        self._settings_json = settings.model_dump_json()
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.child: Any = None
        self.restarts = 0
        self._started = 0.0

    def start(self) -> None:
        with self._lock:
            self._spawn()
        threading.Thread(target=self._watch, name="worker-supervisor", daemon=True).start()

    def _spawn(self) -> None:
        child = self._ctx.Process(
            target=_worker_main,
            args=(self._settings_json, os.getpid()),
            name="cosell-worker",
        )
        child.start()
        self.child, self._started = child, time.monotonic()
        print(f"worker started (pid {child.pid})", file=sys.stderr, flush=True)

    def _watch(self) -> None:
        quick_deaths = 0
        while True:
            child, started = self.child, self._started
            multiprocessing.connection.wait([child.sentinel])
            if self._stopping.is_set():
                return
            child.join()  # reap it: no zombie left behind
            lived = time.monotonic() - started
            quick_deaths = quick_deaths + 1 if lived < STABLE_SECONDS else 1
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (quick_deaths - 1))
            self.restarts += 1
            print(
                f"worker (pid {child.pid}) {_how_it_ended(child.exitcode)} after {lived:.1f} s; "
                f"restarting in {delay:.2f} s (restart {self.restarts})",
                file=sys.stderr,
                flush=True,
            )
            if self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                try:
                    self._spawn()
                except Exception as exc:  # no process could be started: try again later
                    print(f"worker could not be started: {exc}", file=sys.stderr, flush=True)
                    self._stopping.wait(MAX_DELAY)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            child = self.child
        if child is not None:
            _stop_worker(child)


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is None:
        return "ended"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


#: Where `run_server` leaves the settings for the processes of `--processes N`: each
#: is a fresh interpreter (spawned) that builds its app with `app_from_env`.
_SETTINGS_ENV = "_COSELL_SERVE_SETTINGS"
#: How long one of those processes may take to answer Uvicorn's supervisor (starting
#: up included) before it is killed and replaced.
HEALTHCHECK_SECONDS = 30


def app_from_env() -> Any:
    """The app of one of several web processes, from the settings the server left."""
    from cosell.web.app import create_app

    return create_app(Settings.model_validate_json(os.environ[_SETTINGS_ENV]))


def run_server(
    settings: Settings, host: str, port: int, *, with_worker: bool, processes: int = 1
) -> None:
    """Serve on host:port; with `processes` > 1, that many Uvicorn processes share the
    socket (Uvicorn's supervisor restarts one that dies)."""
    import uvicorn

    from cosell.web.app import create_app

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for
    # the handler it found at start. Left at the default, SIGTERM would end the process
    # right there, skipping the `finally` below and orphaning the worker; this handler
    # turns it into an exception that goes through the `finally`.
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    supervisor: Supervisor | None = None
    try:
        if with_worker:
            supervisor = Supervisor(settings)
            supervisor.start()
        if processes > 1:
            # (processes starting together share one generated secret key: `secret_key`)
            os.environ[_SETTINGS_ENV] = settings.model_dump_json()
            uvicorn.run(
                f"{__name__}:app_from_env",
                factory=True,
                workers=processes,
                host=host,
                port=port,
                log_level="info",
                proxy_headers=True,
                # Uvicorn kills a process that does not answer its ping in time, also
                # one still starting: its 5 s default loops forever on a busy machine.
                timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
            )
        else:
            uvicorn.run(
                create_app(settings), host=host, port=port, log_level="info", proxy_headers=True
            )
    except _Stop:
        pass
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the clean-up
        if supervisor is not None:
            supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_worker(child: Any) -> None:
    """Let the worker finish the job at hand (huey stops gracefully on SIGINT); kill it
    if that takes too long: the job's transaction is then rolled back and re-run later."""
    if child.is_alive():
        os.kill(child.pid, signal.SIGINT)
        child.join(timeout=10)
    if child.is_alive():
        child.kill()
        child.join(timeout=5)
    print("worker stopped", file=sys.stderr, flush=True)
