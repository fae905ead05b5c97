"""Benchmark at scale: does the product stay flat as an organization grows to millions?

Run with `make bench-scale` (or `python bench/scale.py --help`). For each backend
(SQLite, the embedded default; PostgreSQL + Redis, the scale-out mode) it:

1. starts what the backend needs in a temporary folder: nothing for SQLite; a
   PostgreSQL cluster (stock durability settings, memory sized for this machine) and
   a Redis server for the scale-out mode;
2. builds a tenant mix of 1,000 organizations: one that grows (10k → 100k → 1M, and
   10M on PostgreSQL with `--sizes`), one small organization next to it, and 998 more
   of `--tenant-size` referrals each. Referrals are bulk-loaded, not imported: COPY on
   PostgreSQL (secondary indexes dropped during the load and built again after), one
   `executemany` per 20,000 rows on SQLite; 3 solutions and 3 team members per deal;
3. at each size, with a real `cosell serve` (and, on PostgreSQL, `cosell worker`
   processes on a Redis queue), measures medians on the largest and on the small
   organization:
   - the opportunities page `GET /` (each tab), with a search that matches and one
     that matches nothing;
   - the API list `GET /api/v1/referrals` with a search and with filters;
   - an export of up to 5,000 deals, filtered (outbound, Active, NL) and searched;
   - an import of 1,000 rows through the API (upload → completed, and the worker's
     processing time);
   - storage: bytes per referral, tables and indexes included;
4. at the largest size, on PostgreSQL, the throughput of concurrent 1,000-row imports
   of six organizations with 1 worker and with 3 workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from run import ADMIN, make_file
from web import COSELL, answers, free_port, get_timed, sign_in, upload_and_wait, wait_until

from cosell.domain.enums import Role
from cosell.domain.filters import ReferralFilters, Tab
from cosell.domain.job_types import ExportOptions
from cosell.domain.model import TeamMember
from cosell.services import accounts, demo
from cosell.services.clock import utcnow
from cosell.services.exports import export_referrals
from cosell.settings import Settings
from cosell.store import referral_query
from cosell.store.backup import pg_program
from cosell.store.referral_rows import row_params
from cosell.store.sql_backend import SqlBackend

PASSWORD = "bench-password"
SMALL_ADMIN = "admin@small.bench.example"
#: organizations whose concurrent imports measure the workers' throughput
THROUGHPUT_ORGS = 6
TEMPLATES = 2_000
BATCH = 20_000
REFERRAL_TABLES = ("referrals", "referral_solutions", "referral_team_members")
#: every table whose size grows with the referrals (the history grows with changes)
STORAGE_TABLES = (*REFERRAL_TABLES, "referral_history", "favorites")
PG_SETTINGS = (
    "-c shared_buffers=4GB -c effective_cache_size=16GB -c work_mem=32MB "
    "-c maintenance_work_mem=1GB -c max_wal_size=16GB -c checkpoint_timeout=30min "
    "-c max_connections=200"
)
SEARCH_COLUMNS = ", ".join(col.name for col in referral_query.SEARCHED)
FILTERED = ReferralFilters(tab=Tab.OUTBOUND, statuses=["Active"], countries=["NL"])
SEARCHED = ReferralFilters(search="Tailspin")


# ------------------------------------------------------------------ servers


def _as_postgres(*args: str) -> None:
    command = list(args) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)


@contextmanager
def postgres_server(root: Path) -> Iterator[str]:
    """A PostgreSQL cluster in `root`, on a Unix socket there; yields its database URL."""
    root.mkdir(parents=True)
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data = root / "data"
    _as_postgres(
        pg_program("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
    )
    options = f"-c listen_addresses='' -k {root} {PG_SETTINGS}"
    _as_postgres(
        pg_program("pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o", options, "start"
    )
    try:
        with psycopg.connect(f"host={root} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE cosell")
        yield f"postgresql://postgres@/cosell?host={root}"
    finally:
        _as_postgres(pg_program("pg_ctl"), "-D", str(data), "-m", "fast", "stop")


@contextmanager
def redis_server(root: Path) -> Iterator[str]:
    root.mkdir(parents=True)
    port = free_port()
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is missing: make system-deps")
    with (root / "redis.log").open("wb") as log:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root), "--save", ""],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        wait_until("redis", lambda: _redis_up(port), 20)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _redis_up(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Processes:
    """The `cosell serve` and `cosell worker` processes of one measurement."""

    env: dict[str, str]
    logs: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            proc = subprocess.Popen(
                [COSELL, *args], stdout=out, stderr=subprocess.STDOUT, env=self.env
            )
        self.procs.append(proc)
        return proc

    def stop(self, procs: Sequence[subprocess.Popen[bytes]] | None = None) -> None:
        chosen = list(self.procs if procs is None else procs)
        for proc in chosen:
            proc.send_signal(signal.SIGTERM)
        for proc in chosen:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self.procs.remove(proc)


# ------------------------------------------------------------------ bulk loader
class Loader:
    """Bulk-loads referrals into one organization: rows made from a few thousand
    generated deals, each copy with IDs, a name and a CRM ID of its own."""

    def __init__(self, url: str, seed: int = 11) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        rng = random.Random(seed)
        team = [
            TeamMember(f"First{i}", f"Last{i}", "+1 425 555 0100", f"member{i}@bench.example")
            for i in range(20)
        ] + [TeamMember("Ada", "Admin", None, ADMIN)]
        refs = demo.make_referrals(
            rng, TEMPLATES, team=team, now=utcnow(), solutions_per_deal=3, team_per_deal=3
        )
        first = row_params(refs[0])
        self.columns = ["pk", "org_id", "created_by", *first]
        self.templates: list[tuple[list[Any], str, list[tuple[Any, ...]], list[tuple[Any, ...]]]]
        self.templates = []
        at = {name: i for i, name in enumerate(self.columns)}
        self.at = at
        for ref in refs:
            values = [None, None, None, *row_params(ref).values()]
            values = [self._value(v) for v in values]
            base_name = ref.deal_name.rsplit(" ", 1)[0]
            sols = [
                (i, s.solution_id, s.currency, int(s.price * 100) if s.price else None, s.quantity)
                for i, s in enumerate(ref.solutions, 1)
            ]
            mates = [
                (i, m.first_name, m.last_name, m.phone, m.email, m.email.casefold())
                for i, m in enumerate(ref.team, 1)
            ]
            self.templates.append((values, base_name, sols, mates))
        self.created = [ref.created_at for ref in refs]

    def _value(self, v: Any) -> Any:
        if not self.sqlite:
            return v
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, bool):
            return int(v)
        return v

    def rows(
        self, org_id: int, first_pk: int, first_serial: int, count: int
    ) -> Iterator[list[Any]]:
        """The `referrals` rows of deals `first_serial` … of the organization."""
        at = self.at
        i_pk, i_org, i_rid, i_eid = at["pk"], at["org_id"], at["referral_id"], at["engagement_id"]
        i_name, i_crm = at["deal_name"], at["crm_id"]
        i_created, i_updated = at["created_at"], at["updated_at"]
        for k in range(count):
            serial = first_serial + k
            t = serial % TEMPLATES
            values, base_name, _, _ = self.templates[t]
            row = values.copy()
            row[i_pk], row[i_org] = first_pk + k, org_id
            row[i_rid] = str(uuid.UUID(int=(org_id << 64) | serial))
            row[i_eid] = str(uuid.UUID(int=(1 << 127) | (org_id << 64) | serial))
            row[i_name] = f"{base_name} {serial + 1}"
            row[i_crm] = f"CRM-{serial + 1:08d}"
            created = self.created[t] - dt.timedelta(seconds=serial // TEMPLATES)
            row[i_created] = row[i_updated] = self._value(created)
            yield row

    def items(
        self, which: int, org_id: int, first_pk: int, first_serial: int, count: int
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `referral_solutions` (which=2) or `referral_team_members` (which=3)."""
        for k in range(count):
            pk = first_pk + k
            for item in self.templates[(first_serial + k) % TEMPLATES][which]:
                yield (pk, item[0], org_id, *item[1:])

    def load(self, org_id: int, count: int, first_serial: int = 0) -> None:
        if count <= 0:
            return
        if self.sqlite:
            self._load_sqlite(org_id, count, first_serial)
        else:
            self._load_postgres(org_id, count, first_serial)

    def _load_sqlite(self, org_id: int, count: int, first_serial: int) -> None:
        con = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
        con.execute("PRAGMA synchronous=OFF")
        first_pk = (con.execute("SELECT coalesce(max(pk), 0) FROM referrals").fetchone()[0]) + 1
        cols = ", ".join(self.columns)
        marks = ", ".join("?" * len(self.columns))
        insert_r = f"INSERT INTO referrals ({cols}) VALUES ({marks})"
        insert_s = (
            "INSERT INTO referral_solutions (referral_pk, position, org_id, solution_id, "
            "currency, price_cents, quantity) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        insert_t = (
            "INSERT INTO referral_team_members (referral_pk, position, org_id, first_name, "
            "last_name, phone, email, email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        )
        for start in range(0, count, BATCH):
            n = min(BATCH, count - start)
            pk, serial = first_pk + start, first_serial + start
            con.execute("BEGIN")
            con.executemany(insert_r, self.rows(org_id, pk, serial, n))
            con.executemany(insert_s, self.items(2, org_id, pk, serial, n))
            con.executemany(insert_t, self.items(3, org_id, pk, serial, n))
            # the search index, as the repository's inserts add to it (no trigger does)
            con.execute(
                f"INSERT INTO referrals_fts (rowid, {SEARCH_COLUMNS}) "
                f"SELECT pk, {SEARCH_COLUMNS} FROM referrals WHERE pk BETWEEN ? AND ?",
                (pk, pk + n - 1),
            )
            con.execute("COMMIT")
        con.execute("PRAGMA optimize")
        con.close()

    def _load_postgres(self, org_id: int, count: int, first_serial: int) -> None:
        with psycopg.connect(self.url) as con:
            con.execute("SET session_replication_role = replica")  # no FK triggers per row
            indexes = con.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                     SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
                (list(REFERRAL_TABLES),),
            ).fetchall()
            if count >= 50_000:
                for name, _ in indexes:
                    con.execute(f'DROP INDEX "{name}"')
            first_pk = con.execute("SELECT coalesce(max(pk), 0) FROM referrals").fetchone()[0] + 1
            cols = ", ".join(self.columns)
            with con.cursor() as cur:
                with cur.copy(f"COPY referrals ({cols}) FROM STDIN") as copy_r:
                    for row in self.rows(org_id, first_pk, first_serial, count):
                        copy_r.write_row(row)
                with cur.copy(
                    "COPY referral_solutions (referral_pk, position, org_id, solution_id, "
                    "currency, price_cents, quantity) FROM STDIN"
                ) as copy_s:
                    for item in self.items(2, org_id, first_pk, first_serial, count):
                        copy_s.write_row(item)
                with cur.copy(
                    "COPY referral_team_members (referral_pk, position, org_id, first_name, "
                    "last_name, phone, email, email_key) FROM STDIN"
                ) as copy_t:
                    for item in self.items(3, org_id, first_pk, first_serial, count):
                        copy_t.write_row(item)
            con.execute("SELECT setval('referrals_pk_seq', (SELECT max(pk) FROM referrals))")
            con.commit()
            if count >= 50_000:
                for _, definition in indexes:
                    con.execute(definition)
                con.commit()
                con.autocommit = True
                for table in REFERRAL_TABLES:
                    con.execute(f"VACUUM ANALYZE {table}")


# ------------------------------------------------------------------ the world
@dataclass
class World:
    url: str
    queue_url: str | None
    work: Path
    big_org: int = 0
    small_org: int = 0
    loaded: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COSELL_")}
        env["COSELL_DATABASE_URL"] = self.url
        if self.queue_url:
            env["COSELL_QUEUE_URL"] = self.queue_url
        return env


def throughput_admin(i: int) -> str:
    return f"admin@t{i}.bench.example"


def build_world(world: World, loader: Loader, tenants: int, tenant_size: int) -> None:
    """The 1,000-organization mix; users, catalog and tokens for the measured ones."""
    db = SqlBackend(world.url)
    db.upgrade()
    big = accounts.create_org(db, "Bench Org")
    small = accounts.create_org(db, "Small Org")
    world.big_org, world.small_org = big.id, small.id
    measured = [(big.id, ADMIN), (small.id, SMALL_ADMIN)]
    for i in range(THROUGHPUT_ORGS):
        org = accounts.create_org(db, f"Throughput Org {i}")
        measured.append((org.id, throughput_admin(i)))
    others = [accounts.create_org(db, f"Tenant {i:04d}").id for i in range(tenants - 8)]
    for org_id, email in measured:
        accounts.add_user(db, email, org_id=org_id, role=Role.ADMIN, password=PASSWORD)
        for sid, name in demo.CATALOG:
            accounts.add_solution(db, sid, org_id=org_id, name=name)
        world.tokens[email] = accounts.create_token(db, user_email=email)
    db.dispose()
    t0 = time.perf_counter()
    loader.load(small.id, tenant_size)
    for org_id, _ in measured[2:]:
        loader.load(org_id, max(tenant_size, 4_000))
    for org_id in others:
        loader.load(org_id, tenant_size)
    print(
        f"  tenant mix: {tenants:,} organizations, {tenant_size:,} referrals each, "
        f"loaded in {time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
    )
    db = SqlBackend(world.url)
    for _, email in measured[2:]:
        world.files[email] = make_file(db, admin=email)
    db.dispose()


def grow(world: World, loader: Loader, size: int) -> float:
    t0 = time.perf_counter()
    loader.load(world.big_org, size - world.loaded, first_serial=world.loaded)
    world.loaded = size
    return time.perf_counter() - t0


def storage(url: str) -> tuple[int, dict[str, int]]:
    """(referrals in the database, bytes per table with its indexes)."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        owner = dict(con.execute("SELECT name, tbl_name FROM sqlite_master"))
        sizes: dict[str, int] = {}
        for name, size in con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0) + int(size)
        count = con.execute("SELECT count(*) FROM referrals").fetchone()[0]
        con.close()
        return count, sizes
    with psycopg.connect(url) as con:
        count = con.execute("SELECT count(*) FROM referrals").fetchone()[0]
        rows = con.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        ).fetchall()
    return count, {name: int(size) for name, size in rows}


# ------------------------------------------------------------------ measures
@dataclass
class Row:
    name: str
    target: str
    values: dict[str, float] = field(default_factory=dict)  # size label -> median


def import_once(api: httpx.Client, data: bytes) -> tuple[float, float]:
    """(upload → completed, the worker's processing) of one import."""
    elapsed, job = upload_and_wait(api, data)
    return elapsed, float(job["summary"]["duration_s"])


def exported(world: World, email: str, filters: ReferralFilters, runs: int) -> list[float]:
    db = SqlBackend(world.url)
    actor = accounts.actor_for(db, email)
    settings = Settings(database_url=world.url)
    out = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        with db.reading() as uow:
            export_referrals(uow, actor, ExportOptions(filters=filters), settings)
        out.append(time.perf_counter() - start)
    db.dispose()
    return out[1:]  # the first run warms the caches


def measure_size(
    world: World, procs: Processes, label: str, rows: dict[str, Row], args: argparse.Namespace
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    scale_out = world.queue_url is not None
    serve = ["serve", "--port", str(port)] + (["--no-worker"] if scale_out else [])
    started = [procs.start(*serve, name=f"serve-{label}")]
    if scale_out:
        started.append(procs.start("worker", name=f"worker-{label}"))
    wait_until("the server", lambda: answers(f"{base}/healthz"), 120)

    def put(name: str, target: str, values: list[float], scale: float = 1000) -> None:
        row = rows.setdefault(name, Row(name, target))
        row.values[label] = statistics.median(values) * scale

    pages = {
        "`GET /` Inbound": "/",
        "`GET /?tab=outbound`": "/?tab=outbound",
        "`GET /?tab=favorites`": "/?tab=favorites",
        "`GET /?q=Tailspin` (matches)": "/?q=Tailspin",
        "`GET /?tab=outbound&q=nomatchxyz`": "/?tab=outbound&q=nomatchxyz",
    }
    api_paths = {
        "API list": "/api/v1/referrals",
        "API `?search=Tailspin`": "/api/v1/referrals?search=Tailspin",
        "API `?search=nomatchxyz`": "/api/v1/referrals?search=nomatchxyz",
        "API outbound, Active, NL": "/api/v1/referrals?tab=outbound&status=Active&country=NL",
    }
    for who, email in (("large", ADMIN), ("small", SMALL_ADMIN)):
        with (
            httpx.Client(base_url=base, timeout=120) as browser,
            httpx.Client(
                base_url=base,
                timeout=120,
                headers={"Authorization": f"Bearer {world.tokens[email]}"},
            ) as api,
        ):
            sign_in(browser, email, PASSWORD)
            for name, path in pages.items():
                get_timed(browser, path, 2)
                put(f"{name}, {who} org (ms)", "≤ 50", get_timed(browser, path, args.requests))
            for name, path in api_paths.items():
                get_timed(api, path, 2)
                put(f"{name}, {who} org (ms)", "≤ 50", get_timed(api, path, args.requests))
        for name, filters in (
            ("export filtered (outbound, Active, NL)", FILTERED),
            ("export searched (Tailspin, ≤ 5,000)", SEARCHED),
        ):
            put(f"{name}, {who} org (s)", "≤ 0.5", exported(world, email, filters, args.runs), 1)
    with httpx.Client(
        base_url=base, timeout=120, headers={"Authorization": f"Bearer {world.tokens[ADMIN]}"}
    ) as api:
        data = world.files.get(ADMIN) or make_big_file(world)
        import_once(api, data)  # warm-up
        runs = [import_once(api, data) for _ in range(args.runs)]
        put("import 1,000 rows, upload → completed (s)", "", [r[0] for r in runs], 1)
        put("import 1,000 rows, worker processing (s)", "≤ 0.3", [r[1] for r in runs], 1)
        world.loaded += 700 * (args.runs + 1)  # the imports' creates
    procs.stop(started)
    count, sizes = storage(world.url)
    per = sum(sizes.get(t, 0) for t in STORAGE_TABLES) / count
    extra = {
        t: s for t, s in sizes.items() if t.startswith("referrals_") and t not in STORAGE_TABLES
    }
    per += sum(extra.values()) / count
    row = rows.setdefault("storage per referral (bytes, tables + indexes)", Row("storage", ""))
    row.name = "storage per referral (bytes, tables + indexes)"
    row.values[label] = per
    for table in (*STORAGE_TABLES, *extra):
        name = f"… of which {table}"
        rows.setdefault(name, Row(name, "")).values[label] = sizes.get(table, 0) / count


def make_big_file(world: World) -> bytes:
    db = SqlBackend(world.url)
    data = make_file(db, admin=ADMIN)
    db.dispose()
    world.files[ADMIN] = data
    return data


def throughput(world: World, procs: Processes, workers: int, runs: int) -> list[float]:
    """Rows per second of THROUGHPUT_ORGS concurrent 1,000-row imports (one per
    organization) with `workers` worker processes."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = [procs.start("serve", "--port", str(port), "--no-worker", name="serve-tp")]
    for i in range(workers):
        started.append(procs.start("worker", name=f"worker-tp-{workers}-{i}"))
    wait_until("the server", lambda: answers(f"{base}/healthz"), 120)
    emails = [throughput_admin(i) for i in range(THROUGHPUT_ORGS)]
    clients = {
        e: httpx.Client(
            base_url=base, timeout=300, headers={"Authorization": f"Bearer {world.tokens[e]}"}
        )
        for e in emails
    }
    out: list[float] = []
    try:
        for run in range(runs + 1):
            done: list[float] = []
            start = time.perf_counter()

            def one(email: str, done: list[float] = done) -> None:
                import_once(clients[email], world.files[email])
                done.append(time.perf_counter())

            threads = [threading.Thread(target=one, args=(e,)) for e in emails]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if len(done) != len(emails):
                raise SystemExit("a concurrent import failed")
            if run:  # the first run creates the files' deals; later runs repeat the same work
                out.append(len(emails) * 1000 / (max(done) - start))
    finally:
        for c in clients.values():
            c.close()
        procs.stop(started)
    return out


# ------------------------------------------------------------------ report
def label_of(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1_000}k"


def report(
    backend: str, rows: dict[str, Row], labels: list[str], notes: list[str], out: Any = None
) -> None:
    out = out or sys.stdout
    print(f"\n### {backend}\n", file=out)
    print("| measure | " + " | ".join(labels) + " | target |", file=out)
    print("|---|" + "---|" * len(labels) + "---|", file=out)
    for row in rows.values():
        cells = []
        for label in labels:
            v = row.values.get(label)
            if v is None:
                cells.append("")
            elif row.name.endswith("(s)"):
                cells.append(f"{v:.3f}")
            else:
                cells.append(f"{v:,.0f}" if v >= 100 else f"{v:.1f}")
        print(f"| {row.name} | " + " | ".join(cells) + f" | {row.target} |", file=out)
    for note in notes:
        print(f"\n{note}", file=out)
    out.flush()


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    if backend == "sqlite":
        sizes = [s for s in sizes if s <= args.sqlite_max]
    with contextmanager_for(backend, work) as (url, queue_url):
        world = World(url, queue_url, work)
        loader = Loader(url)
        print(f"{backend}: building the tenant mix", file=sys.stderr)
        build_world(world, loader, args.tenants, args.tenant_size)
        procs = Processes(world.env, work)
        rows: dict[str, Row] = {}
        notes: list[str] = []
        labels = []
        try:
            for size in sizes:
                took = grow(world, loader, size)
                label = label_of(size)
                labels.append(label)
                print(f"{backend}: {size:,} referrals loaded ({took:.0f} s)", file=sys.stderr)
                notes.append(f"Bulk load to {size:,}: {took:.0f} s.")
                measure_size(world, procs, label, rows, args)
                report(backend, rows, labels, [], sys.stderr)
            if queue_url is not None and args.throughput_runs:
                one = throughput(world, procs, 1, args.throughput_runs)
                three = throughput(world, procs, 3, args.throughput_runs)
                m1, m3 = statistics.median(one), statistics.median(three)
                notes.append(
                    f"Concurrent imports ({THROUGHPUT_ORGS} organizations × 1,000 rows, "
                    f"through Redis): 1 worker {m1:,.0f} rows/s, 3 workers {m3:,.0f} rows/s, "
                    f"ratio {m3 / m1:.2f}× (target ≥ 1.5×; medians of {len(one)} runs)."
                )
        finally:
            procs.stop()
        report(backend, rows, labels, notes)


@contextmanager
def contextmanager_for(backend: str, work: Path) -> Iterator[tuple[str, str | None]]:
    if backend == "sqlite":
        yield f"sqlite:///{work / 'bench.db'}", None
        return
    with postgres_server(work / "pg") as url, redis_server(work / "redis") as queue:
        yield url, queue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="sizes of the large organization"
    )
    parser.add_argument("--sqlite-max", type=int, default=1_000_000, help="largest SQLite size")
    parser.add_argument("--tenants", type=int, default=1000, help="organizations in the mix")
    parser.add_argument("--tenant-size", type=int, default=1000, help="referrals of each other")
    parser.add_argument("--runs", type=int, default=5, help="imports and exports measured")
    parser.add_argument("--requests", type=int, default=15, help="requests per page measured")
    parser.add_argument("--throughput-runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        work = Path(tempfile.mkdtemp(prefix=f"cosell-scale-{backend}-"))
        work.chmod(0o755)
        try:
            run_backend(backend, args, work)
        finally:
            if args.keep:
                print(f"kept {work}", file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
