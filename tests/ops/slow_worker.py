"""`python -m tests.ops.slow_worker SECONDS ARGS…`: the command `cosell ARGS…` (a worker,
say) whose imports hold their write transaction open SECONDS before each commit, so a
fault test can kill, stop or back up around a job in flight (`Procs.start(hold_commit=)`).

It installs the job hooks (`services.job_hooks`), then runs the normal entry point.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from cosell.services import job_hooks
from cosell.services.job_hooks import CommitPoint, JobHooks

log = logging.getLogger("cosell.jobs")

#: What the hook logs, for tests to wait on: f"{WAITING} {job_id} waits".
WAITING = "testing aid: job"


def hold(seconds: float) -> Callable[[CommitPoint], None]:
    """A `before_commit` hook: the job waits `seconds`, everything written but nothing
    committed; a worker told to stop meanwhile hands the job back."""

    def before_commit(point: CommitPoint) -> None:
        at = "" if point.chunk is None else f" of chunk {point.chunk}"
        log.warning("%s %s waits %.1f s before its commit%s", WAITING, point.job_id, seconds, at)
        if point.stop is None:
            time.sleep(seconds)
        elif point.stop.wait(seconds):
            point.hand_back()

    return before_commit


def main(argv: list[str]) -> None:
    seconds, *args = argv
    job_hooks.install(JobHooks(before_commit=hold(float(seconds))))
    from cosell.cli import main as cosell

    sys.argv = ["cosell", *args]
    cosell()


if __name__ == "__main__":
    main(sys.argv[1:])
