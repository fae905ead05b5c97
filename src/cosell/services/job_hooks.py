"""Points in a running import where a test can step in; production installs none.

- `after_row_batch(job_id, batches)`: after each committed chunk of a big import
  (`batches`: how many are committed so far) — where a test kills or stops a worker.
- `before_commit(point)`: inside the import's write transaction, everything written
  but not yet committed (a big import: each chunk's) — where a fault test holds the
  transaction open to kill the worker, take a backup, or stop it; a hook that sees
  the worker stopping calls `point.hand_back()`.

`run_job` takes the hooks to use; a worker process started by a test installs them
for all its jobs with `install` before it starts (see tests/ops/slow_worker.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from cosell.errors import HandBack


@dataclass(frozen=True, slots=True)
class CommitPoint:
    job_id: str
    #: the chunk of a big import; None: the whole file at once
    chunk: int | None
    #: set once the worker is stopping
    stop: threading.Event | None

    def hand_back(self) -> NoReturn:
        """Roll the job's transaction back and give the job back to the queue."""
        raise HandBack


def _no_batch(job_id: str, batches: int) -> None:
    pass


def _no_commit(point: CommitPoint) -> None:
    pass


@dataclass(frozen=True, slots=True)
class JobHooks:
    after_row_batch: Callable[[str, int], None] = _no_batch
    before_commit: Callable[[CommitPoint], None] = _no_commit


NO_HOOKS = JobHooks()
_installed = NO_HOOKS


def install(hooks: JobHooks) -> None:
    """The hooks of every job this process runs without being given its own."""
    global _installed
    _installed = hooks


def installed() -> JobHooks:
    return _installed
