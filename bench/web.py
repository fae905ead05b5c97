"""Benchmark of the web application as it runs (rules §6). Run with `make bench`.

Builds the organization of bench/run.py (100,000 referrals), starts a real
`cosell serve` (web server and its embedded worker) on a free port, and reports
medians of repeated runs of what a user waits for:

- an import of the 1,000-row file of bench/run.py through the API: from the start of
  `POST /api/v1/imports` until `GET /api/v1/imports/{id}` (polled every 20 ms) reads
  `completed` — upload, queue, worker pick-up, processing and commit. Each upload
  comes after the worker has idled 2 s, so its queue polling has backed off as far
  as it goes, as for a user's upload in a quiet moment;
- the Co-sell opportunities page `GET /`, signed in as the admin through the sign-in
  form (its default tab, Inbound, and the larger Outbound tab);
- the referral list of the API, `GET /api/v1/referrals`, with a bearer token from
  `cosell token create`.

Latencies are measured by the client over one kept-alive connection, as a browser
would; the server is warmed up (and its first periodic upkeep has run) beforehand.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from run import ADMIN, build, make_file

COSELL = str(Path(sys.executable).with_name("cosell"))
PASSWORD = "bench-password"
POLL_SECONDS = 0.02


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def sign_in(client: httpx.Client, email: str = ADMIN, password: str = PASSWORD) -> None:
    """Through the form, as a browser does: its CSRF token, then the session cookie."""
    form = client.get("/sign-in")
    form.raise_for_status()
    token = re.search(r'name="csrf_token"\s+value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("no CSRF token in the sign-in form")
    done = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/"},
    )
    if done.status_code != 303:
        raise SystemExit(f"sign-in failed: {done.status_code} {done.text[:200]}")


def upload_and_wait(api: httpx.Client, data: bytes) -> tuple[float, dict[str, Any]]:
    """Upload `data` as an import and poll until the job ends: (seconds from the upload
    to the end, the job as the API reads it). Exits when the job did not complete."""
    start = time.perf_counter()
    posted = api.post("/api/v1/imports", files={"file": ("bench.csv", data, "text/csv")})
    if posted.status_code != 202:
        raise SystemExit(f"upload failed: {posted.status_code} {posted.text[:300]}")
    job_id = posted.json()["id"]
    while True:
        job: dict[str, Any] = api.get(f"/api/v1/imports/{job_id}").json()
        if job["status"] in ("completed", "rejected", "failed"):
            break
        time.sleep(POLL_SECONDS)
    elapsed = time.perf_counter() - start
    if job["status"] != "completed" or (job["summary"] or {}).get("failed"):
        raise SystemExit(f"the import did not go as planned: {str(job)[:600]}")
    return elapsed, job


def run_file(data: bytes, run: int) -> bytes:
    """The file of run `run`: its new deals get names and CRM IDs of their own (the same
    length), so that each run creates its 700 deals instead of finding them already
    imported by an earlier run (nothing is created twice)."""
    return data.replace(b"BENCH-NEW-", f"BENCH-{run:03d}-".encode()).replace(
        b"(new ", f"(n{run:02d} ".encode()
    )


def import_once(api: httpx.Client, data: bytes, idle: float) -> tuple[float, float]:
    """(upload → completed, the worker's processing) of one import, started after the
    worker has idled `idle` seconds (its queue polling then at its slowest)."""
    time.sleep(idle)
    elapsed, job = upload_and_wait(api, data)
    if job["summary"].get("created") != 700:
        raise SystemExit(f"the import did not go as planned: {job}")
    return elapsed, float(job["summary"]["duration_s"])


def get_timed(client: httpx.Client, path: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        out.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.text[:300]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="imports measured")
    parser.add_argument("--requests", type=int, default=25, help="requests per page measured")
    parser.add_argument(
        "--idle", type=float, default=2.0, help="seconds the worker idles before each import"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cosell-web-bench-"))
    server: subprocess.Popen[bytes] | None = None
    log = work / "serve.log"
    try:
        t0 = time.perf_counter()
        db, settings = build(work / "bench.db", args.existing)
        data = make_file(db)
        db.dispose()
        url = settings.database_url
        env = {k: v for k, v in os.environ.items() if not k.startswith("COSELL_")}
        token = subprocess.run(
            [COSELL, "--database-url", url, "token", "create", "--as", ADMIN],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.strip()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [COSELL, "--database-url", url, "serve", "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        wait_until("the server", lambda: answers(f"{base}/api/openapi.json"))
        # The worker's first upkeep, at its start, expires the generated data's old
        # unanswered referrals (thousands when there are any): let it finish first.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "unanswered" not in log.read_text():
            time.sleep(0.1)
        print(
            f"setup: {args.existing:,} referrals and a running server in "
            f"{time.perf_counter() - t0:.1f} s; file {len(data) / 1024:.0f} KiB",
            file=sys.stderr,
        )
        auth = {"Authorization": f"Bearer {token}"}
        with (
            httpx.Client(base_url=base, headers=auth, timeout=30) as api,
            httpx.Client(base_url=base, timeout=30) as browser,
        ):
            sign_in(browser)
            import_once(api, run_file(data, 0), 0)  # warm-up; turns the updates into no-ops
            for path in ("/", "/?tab=outbound"):
                get_timed(browser, path, 3)
            for path in ("/api/v1/referrals", "/api/v1/referrals?tab=outbound"):
                get_timed(api, path, 3)
            imports = [
                import_once(api, run_file(data, n), args.idle) for n in range(1, args.runs + 1)
            ]
            results = {
                "import 1,000 rows via the API, upload → completed": [t for t, _ in imports],
                "… of which the worker's processing (job `duration_s`)": [p for _, p in imports],
                "page `GET /` (Inbound tab)": get_timed(browser, "/", args.requests),
                "page `GET /?tab=outbound`": get_timed(browser, "/?tab=outbound", args.requests),
                "API `GET /api/v1/referrals`": get_timed(api, "/api/v1/referrals", args.requests),
                "API `GET /api/v1/referrals?tab=outbound`": get_timed(
                    api, "/api/v1/referrals?tab=outbound", args.requests
                ),
            }
        targets = ["≤ 2000", "", "≤ 100", "≤ 100", "≤ 100", "≤ 100"]
        print(f"\n{args.existing:,} referrals in the organization; `cosell serve` on {base}\n")
        print("| measure | median (ms) | min (ms) | runs | target (ms) |")
        print("|---|---|---|---|---|")
        for (name, values), target in zip(results.items(), targets, strict=True):
            median, low = statistics.median(values) * 1000, min(values) * 1000
            print(f"| {name} | {median:.0f} | {low:.0f} | {len(values)} | {target} |")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
