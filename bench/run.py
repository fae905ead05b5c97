"""Benchmark of the import and export engine (rules §6). Run with `make bench`.

Builds an organization holding 100,000 referrals, a 1,000-row file (3 solutions and
3 team members per deal; 70 % creates, 30 % updates of existing deals), and reports
medians of repeated runs:

- import processing: read + parse + validate + load + decide + write + results file,
  inside one transaction that is rolled back after each run so every run sees the same
  data;
- export of 5,000 rows to CSV and to XLSX (query + render);
- the floor: the same file parsed with the stdlib csv module and inserted with one
  SQLite executemany, no validation at all;
- the whole `cosell import` command (a new process) on a copy of the database.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cosell.domain.enums import Role
from cosell.domain.filters import ReferralFilters
from cosell.domain.job_types import ExportOptions, ImportOptions
from cosell.domain.model import TeamMember
from cosell.services import accounts, demo
from cosell.services.clock import utcnow
from cosell.services.exports import export_referrals
from cosell.services.gc import gc_paused
from cosell.services.imports import apply, prepare
from cosell.settings import Settings
from cosell.store.referrals import ReferralRepository
from cosell.store.sql_backend import SqlBackend
from cosell.store.unit_of_work import SqlUnitOfWork

ADMIN = "admin@bench.example"


def build(path: Path, existing: int) -> tuple[SqlBackend, Settings]:
    url = f"sqlite:///{path}"
    db = SqlBackend(url)
    db.upgrade()
    org = accounts.create_org(db, "Bench Org")
    accounts.add_user(db, ADMIN, org_id=org.id, role=Role.ADMIN, password="bench-password")
    for sid, name in demo.CATALOG:
        accounts.add_solution(db, sid, org_id=org.id, name=name)
    team = [
        TeamMember(f"First{i}", f"Last{i}", "+1 425 555 0100", f"member{i}@bench.example")
        for i in range(20)
    ] + [TeamMember("Ada", "Admin", None, ADMIN)]
    actor = accounts.actor_for(db, ADMIN)
    rng = random.Random(7)
    batch = 10_000
    for start in range(0, existing, batch):
        refs = demo.make_referrals(
            rng,
            min(batch, existing - start),
            team=team,
            now=utcnow(),
            solutions_per_deal=3,
            team_per_deal=3,
        )
        with db.write() as conn:
            ReferralRepository(conn, actor).insert_many(refs, actor.user_id)
    return db, Settings(database_url=url)


def make_file(
    db: SqlBackend, rows: int = 1000, update_share: float = 0.3, admin: str = ADMIN
) -> bytes:
    """Exported open deals: some kept as updates (notes changed), the rest turned into
    new deals (creates) by blanking their IDs and giving them a name and CRM ID of
    their own (else they would be refused as likely duplicates of the exported ones)."""
    actor = accounts.actor_for(db, admin)
    options = ExportOptions(filters=ReferralFilters(statuses=["Active"]))
    with db.reading() as uow:
        exported = export_referrals(
            uow, actor, options, Settings(max_export_rows=rows)
        ).data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(exported, newline="")))
    headers, body = table[0], table[1:]
    n_updates = int(rows * update_share)
    notes, stage = headers.index("Notes"), headers.index("Sales Stage")
    rid, eid = headers.index("Referral ID"), headers.index("Engagement ID")
    name, crm = headers.index("Deal Name"), headers.index("CRM ID")
    for i, r in enumerate(body):
        if i < n_updates:
            r[notes] = "Updated by the benchmark"
        else:
            r[rid] = r[eid] = ""
            r[stage] = "20"
            r[name] = f"{r[name][:180]} (new {i})"
            r[crm] = f"BENCH-NEW-{i}"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    w.writerows(body)
    return b"\xef\xbb\xbf" + buf.getvalue().encode()


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cosell-bench-"))
    try:
        t0 = time.perf_counter()
        db, settings = build(work / "bench.db", args.existing)
        data = make_file(db)
        (work / "import.csv").write_bytes(data)
        print(
            f"setup: {args.existing:,} referrals in {time.perf_counter() - t0:.1f} s; "
            f"file {len(data) / 1024:.0f} KiB",
            file=sys.stderr,
        )
        actor = accounts.actor_for(db, ADMIN)

        def do_import() -> None:
            started = time.perf_counter()
            with db.engine.connect() as conn, gc_paused():
                tx = conn.begin()
                prepared = prepare(data, ImportOptions(), settings)
                result = apply(
                    SqlUnitOfWork(conn),
                    actor,
                    prepared,
                    ImportOptions(),
                    now=utcnow(),
                    job_id=None,
                    started=started,
                )
                summary = result.summary()
                assert summary.failed == 0, summary.failures[:3]
                assert (summary.created, summary.updated) == (700, 300), summary
                tx.rollback()

        def do_export(fmt: str) -> Callable[[], None]:
            def run() -> None:
                with db.reading() as uow:
                    result = export_referrals(uow, actor, ExportOptions(format=fmt), settings)
                assert result.rows == 5000

            return run

        def floor() -> None:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
            con = sqlite3.connect(work / "floor.db")
            con.execute("DROP TABLE IF EXISTS t")
            con.execute(f"CREATE TABLE t ({', '.join(f'c{i}' for i in range(len(rows[0])))})")
            with con:
                con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(rows[0]))})", rows[1:])
            con.close()

        def command() -> None:
            copy = work / "cmd.db"
            shutil.copy(work / "bench.db", copy)
            start = time.perf_counter()
            subprocess.run(
                [
                    str(Path(sys.executable).with_name("cosell")),
                    "--database-url",
                    f"sqlite:///{copy}",
                    "import",
                    str(work / "import.csv"),
                    "--as",
                    ADMIN,
                    "--json",
                ],
                check=True,
                capture_output=True,
            )
            command.elapsed.append(time.perf_counter() - start)  # type: ignore[attr-defined]

        command.elapsed = []  # type: ignore[attr-defined]
        do_import()  # warm caches once
        results = {
            "import 1,000 rows (processing)": timed(do_import, args.runs),
            "export 5,000 rows → CSV": timed(do_export("csv"), args.runs),
            "export 5,000 rows → XLSX": timed(do_export("xlsx"), args.runs),
            "floor: csv + one executemany": timed(floor, args.runs),
        }
        for _ in range(max(5, args.runs // 2)):
            command()
        results["`cosell import` command (wall)"] = command.elapsed  # type: ignore[attr-defined]
        medians = {k: statistics.median(v) for k, v in results.items()}
        ratio = medians["import 1,000 rows (processing)"] / medians["floor: csv + one executemany"]
        print(f"\n{args.existing:,} referrals in the organization; {args.runs} runs each\n")
        print("| measure | median (s) | min (s) | target |")
        print("|---|---|---|---|")
        targets = {
            "import 1,000 rows (processing)": "≤ 0.15",
            "export 5,000 rows → CSV": "≤ 0.15",
            "export 5,000 rows → XLSX": "",
            "floor: csv + one executemany": "",
            "`cosell import` command (wall)": "≤ 1",
        }
        for name, values in results.items():
            print(f"| {name} | {medians[name]:.3f} | {min(values):.3f} | {targets[name]} |")
        print(f"| import ÷ floor | {ratio:.1f}× | | ≤ 15× |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
