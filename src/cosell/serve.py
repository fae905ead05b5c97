"""Processes: the web server (with an embedded worker child by default) and a worker alone."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
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


def _worker_main(settings_json: str) -> None:
    # A child process: ignore Ctrl-C meant for the server; the server stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    run_worker(Settings.model_validate_json(settings_json))


def run_server(settings: Settings, host: str, port: int, *, with_worker: bool) -> None:
    import uvicorn

    from cosell.web.app import create_app

    child: Any = None
    if with_worker:
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(
            target=_worker_main, args=(settings.model_dump_json(),), name="cosell-worker"
        )
        child.start()
        print(f"worker started (pid {child.pid})", file=sys.stderr, flush=True)
    try:
        uvicorn.run(
            create_app(settings), host=host, port=port, log_level="info", proxy_headers=True
        )
    finally:
        if child is not None and child.is_alive():
            os.kill(child.pid, signal.SIGTERM)
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
