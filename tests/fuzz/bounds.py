"""The contract every fuzz property checks: only the product's own rejection may be
raised, within a time and a memory bound per file.

Memory is the process's peak resident size while the call runs: the peak is reset
through `/proc/self/clear_refs` before each call (Linux), so one file's peak is
measured, not the worker's history. Where that is not possible only time is checked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from hypothesis import event

from cosell.domain.headers import header_score
from cosell.domain.job_types import ImportOptions
from cosell.errors import FileRejected
from cosell.files.reader import read_table
from cosell.files.table import Table
from cosell.services.imports import prepare
from cosell.settings import Settings

T = TypeVar("T")

#: per file, on a loaded test machine (the product's files take milliseconds)
MAX_SECONDS = 2.0
#: peak memory a single file may add to the process (rules §6: under 300 MB per upload)
MAX_PEAK_BYTES = 300 * 1024 * 1024

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _kib(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak() -> int | None:
    try:
        _CLEAR_REFS.write_text("5")
        return _kib("VmRSS")
    except (OSError, LookupError):
        return None


def bounded(call: Callable[[], T]) -> T | FileRejected:
    """Run `call`; return its result or the `FileRejected` it raised. Any other
    exception propagates (a crash); exceeding the time or memory bound fails."""
    before = _reset_peak()
    started = time.perf_counter()
    try:
        result: T | FileRejected = call()
    except FileRejected as exc:
        assert exc.message.strip(), "a rejection must say why"
        assert "Traceback" not in exc.message
        result = exc
    elapsed = time.perf_counter() - started
    assert elapsed < MAX_SECONDS, f"took {elapsed:.2f} s"
    if before is not None:
        grown = (_kib("VmHWM") - before) * 1024
        assert grown < MAX_PEAK_BYTES, f"peak memory grew by {grown // 2**20} MiB"
    return result


_SETTINGS = Settings(database_url="sqlite://")


def read(data: bytes) -> Table | FileRejected:
    """`read_table` within the bounds; a table it returns has the documented shape."""
    result = bounded(lambda: read_table(data, header_score=header_score))
    event(f"rejected: {result.message[:48]}" if isinstance(result, FileRejected) else "read")
    if isinstance(result, Table):
        assert result.headers and header_score(result.headers) > 0
        assert result.headers[-1], "trailing empty headers are dropped"
        numbers = [r.number for r in result.rows]
        assert numbers == sorted(set(numbers)) and all(n >= 2 for n in numbers)
        assert all(len(r.cells) >= len(result.headers) for r in result.rows)
    return result


def imported(data: bytes, *, dry_run: bool = False) -> None:
    """The import's first stage (read, map, parse every row) within the bounds."""
    bounded(lambda: prepare(data, ImportOptions(dry_run=dry_run), _SETTINGS))
