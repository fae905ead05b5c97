"""Processes: the web server (with an embedded worker child by default) and a worker alone."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Any

from cosell.settings import Settings

log = logging.getLogger("cosell")


def run_worker(settings: Settings, workers: int = 1) -> None:
    """Process jobs until stopped (SIGINT/SIGTERM). Also runs the periodic upkeep."""
    from cosell.jobs.queue import JobQueue
    from cosell.store.db import Database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    db = Database(settings.database_url)
    queue = JobQueue(settings, db)
    queue.consumer(workers=workers).run()


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


def run_server(settings: Settings, host: str, port: int, *, with_worker: bool) -> None:
    import uvicorn

    from cosell.web.app import create_app

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for
    # the handler it found at start. Left at the default, SIGTERM would end the process
    # right there, skipping the `finally` below and orphaning the worker; this handler
    # turns it into an exception that goes through the `finally`.
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    child: Any = None
    try:
        if with_worker:
            ctx = multiprocessing.get_context("spawn")
            child = ctx.Process(
                target=_worker_main,
                args=(settings.model_dump_json(), os.getpid()),
                name="cosell-worker",
            )
            child.start()
            print(f"worker started (pid {child.pid})", file=sys.stderr, flush=True)
        uvicorn.run(
            create_app(settings), host=host, port=port, log_level="info", proxy_headers=True
        )
    except _Stop:
        pass
    finally:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the clean-up
        if child is not None:
            _stop_worker(child)
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
