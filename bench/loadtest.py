"""Big first loads, measured: build an import file of any size and time its import.

For operators and benchmarks, not for everyday use:

    import loadtest  # bench/ on the path, as `python bench/loadtest.py` has it
    loadtest.prepare_database(url)             # an organization, its admin, a catalog
    loadtest.write_import_file(path, 100_000)  # 100k creating rows, 3 solutions and
                                               # 3 team members each (CSV or .xlsx)
    loadtest.measure_import(url, path)         # `cosell import`: rows/s, peak RSS

or from a shell: `python bench/loadtest.py URL ROWS [--keep FILE]`.

The file is written row by row (memory stays flat at any size); the import runs in a
new process whose peak resident memory (Linux `VmHWM`) is what `measure_import` reports.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from cosell.domain.enums import Role
from cosell.errors import NotFound
from cosell.services import accounts, demo

ADMIN = "admin@load.example"
ORG = "Load Test Org"
HEADERS = (
    "Deal Name", "Customer Name", "Customer Address Line 1", "Customer Address Line 2",
    "Customer City", "Customer State", "Customer Postal Code", "Customer Country",
    "Customer D-U-N-S ID", "Partner Referral Status", "Partner Referral Substatus",
    "Sales Stage", "Estimated Deal Value", "Currency", "Estimated Close Date", "CRM ID",
    "Marketing Campaign ID", "Notes", "Microsoft help required?",
    "Share with Microsoft sales team", "Consent to share Customer/Partner contact",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Measured:
    rows: int
    seconds: float
    rows_per_second: float
    peak_rss_mb: float
    exit_code: int
    summary: dict[str, object]


def prepare_database(url: str, *, email: str = ADMIN) -> None:
    """Create (or upgrade) the schema and an organization with an admin and the demo
    catalog, unless the admin exists already."""
    from cosell.store.sql_backend import SqlBackend

    db = SqlBackend(url)
    try:
        db.upgrade()
        try:
            accounts.actor_for(db, email)
            return
        except NotFound:
            pass
        org = accounts.create_org(db, ORG)
        accounts.add_user(db, email, org_id=org.id, role=Role.ADMIN, password="load-test-pw")
        for sid, name in demo.CATALOG:
            accounts.add_solution(db, sid, org_id=org.id, name=name)
    finally:
        db.dispose()


def import_rows(
    count: int, *, solutions: int = 3, team: int = 3, tag: str = "LOAD"
) -> Iterator[list[str]]:
    """The header row, then `count` rows that each create a deal (unique deal names and
    CRM IDs, so none looks like another)."""
    headers = [
        *HEADERS,
        *(f"Solution {i}" for i in range(1, solutions + 1)),
        *(f"Team member {i}" for i in range(1, team + 1)),
    ]
    yield headers
    catalog = [sid for sid, _ in demo.CATALOG]
    for i in range(count):
        yield [
            f"{tag} deal {i}",
            f"Customer {i % 997}",
            f"{i % 500} Main Street",
            "",
            "Redmond",
            "Washington",
            f"{98000 + i % 100}",
            "US",
            f"{i % 999_999_999:09d}",
            "New",
            "Accepted",
            "40",
            f"{1000 + i % 50_000}.50",
            "USD",
            f"{1 + i % 12}/{1 + i % 28}/2027",
            f"{tag}-{i}",
            "BingSummer2026",
            "Imported in bulk",
            "No",
            "Yes",
            "Yes",
            *(
                f"{catalog[(i + k) % len(catalog)]}, USD, {10 + k}, {k + 1}"
                for k in range(solutions)
            ),
            *(f"First{k}, Last{k}, 555000{k}, member{k}@load.example" for k in range(team)),
        ]


def write_import_file(
    path: Path, count: int, *, solutions: int = 3, team: int = 3, tag: str = "LOAD"
) -> Path:
    """Write `count` creating rows to `path`: CSV (UTF-8 with BOM), or a workbook when
    the name ends in .xlsx."""
    rows = import_rows(count, solutions=solutions, team=team, tag=tag)
    if path.suffix.lower() == ".xlsx":
        from cosell.files.writer import write_xlsx_to

        with path.open("wb") as out:
            headers = next(rows)
            write_xlsx_to(out, headers, rows)
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        for r in rows:
            writer.writerow(r)
    return path


def _high_water_kib(pid: int) -> int:
    """The process's peak resident memory so far (Linux `VmHWM`, KiB; 0 once it is gone).

    Read from /proc while it runs, not from `wait4`'s `ru_maxrss`: that one also counts
    what the process had before it started the program, a copy of the caller (a test
    worker of some hundred MB)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure_import(
    url: str,
    path: Path,
    *,
    email: str = ADMIN,
    max_rows: int = 1_000_000,
    dry_run: bool = False,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run `cosell import PATH --as EMAIL --json` in a new process (import limits raised to
    fit the file); its wall time, rows per second and peak resident memory."""
    command = [str(Path(sys.executable).with_name("cosell")), "--database-url", url, "import"]
    command += [str(path), "--as", email, "--json"] + (["--dry-run"] if dry_run else [])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COSELL_")}
    environment["COSELL_MAX_IMPORT_ROWS"] = str(max_rows)
    environment["COSELL_MAX_UPLOAD_BYTES"] = str(max(path.stat().st_size, 20 * 1024 * 1024))
    environment.update(env or {})
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=environment)
        peak_kib = 0
        while proc.poll() is None:
            peak_kib = max(peak_kib, _high_water_kib(proc.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace").strip()
    summary = json.loads(text.splitlines()[-1]) if text else {}
    rows = int(summary.get("rows", 0) or 0)
    return Measured(
        rows=rows,
        seconds=round(seconds, 2),
        rows_per_second=round(rows / seconds) if seconds else 0,
        peak_rss_mb=round(peak_kib / 1024, 1),
        exit_code=proc.returncode,
        summary={k: summary.get(k) for k in ("status", "created", "failed", "duration_s")},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Measure a big import.")
    parser.add_argument("url", help="database URL (a new database is set up)")
    parser.add_argument("rows", type=int)
    parser.add_argument("--keep", type=Path, help="write the file here and keep it")
    parser.add_argument("--xlsx", action="store_true", help="an .xlsx file instead of CSV")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    prepare_database(args.url)
    with tempfile.TemporaryDirectory() as tmp:
        name = f"load-{args.rows}.{'xlsx' if args.xlsx else 'csv'}"
        path = args.keep or Path(tmp) / name
        write_import_file(path, args.rows)
        result = measure_import(args.url, path, max_rows=max(args.rows, 1000), dry_run=args.dry_run)
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
