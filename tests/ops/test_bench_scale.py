"""`bench/scale.py` on a small scale: the benchmark whose numbers the README reports
must keep running, on both backends, and measure every row it promises.

The bulk loader's deals go through the product here: each size's measured imports
export loaded deals and import them again (updates), which fails if the loader wrote
anything the product cannot read back.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MEASURES = (
    "`GET /` Inbound, large org (ms)",
    "`GET /?tab=outbound`, large org (ms)",
    "`GET /?tab=favorites`, small org (ms)",
    "`GET /?q=Tailspin` (matches), large org (ms)",
    "`GET /?tab=outbound&q=nomatchxyz`, large org (ms)",
    "API `?search=nomatchxyz`, large org (ms)",
    "API outbound, Active, NL, small org (ms)",
    "export filtered (outbound, Active, NL), large org (s)",
    "export searched (Tailspin, ≤ 5,000), large org (s)",
    "import 1,000 rows, worker processing (s)",
    "storage per referral (bytes, tables + indexes)",
)


def run_bench(backend: str, *extra: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "scale.py"),
            "--backend",
            backend,
            "--sizes",
            "1500,3000",
            "--tenants",
            "12",
            "--tenant-size",
            "100",
            "--runs",
            "1",
            "--requests",
            "1",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def cells(table: str, measure: str) -> list[str]:
    line = next(line for line in table.splitlines() if line.startswith(f"| {measure} |"))
    return [c.strip() for c in line.strip("|").split("|")][1:-1]


@pytest.mark.parametrize(
    ("backend", "extra"),
    [("sqlite", ()), ("postgresql", ("--throughput-runs", "1"))],
    ids=["sqlite", "postgresql"],
)
def test_scale_benchmark_measures_every_row_at_each_size(backend: str, extra: tuple[str]) -> None:
    out = run_bench(backend, *extra)
    assert f"### {backend}" in out
    assert "| measure | 1k | 3k | target |" in out
    for measure in MEASURES:
        values = cells(out, measure)
        assert len(values) == 2, (measure, values)
        assert all(re.fullmatch(r"[\d,]+(\.\d+)?", v) for v in values), (measure, values)
        assert all(float(v.replace(",", "")) > 0 for v in values), (measure, values)
    assert "Bulk load to 3,000" in out
    if backend == "postgresql":
        ratio = re.search(r"1 worker ([\d,]+) rows/s, 3 workers ([\d,]+) rows/s", out)
        assert ratio is not None, out[-2000:]
