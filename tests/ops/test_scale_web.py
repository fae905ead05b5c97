"""Web processes in the scale-out mode: real `cosell serve --no-worker` processes on
PostgreSQL (issue 8 §3).

- PostgreSQL restarted: while it is down, requests answer 503 (a JSON problem on the
  API, an error page on the pages, no traceback), and they recover by themselves
  once it is back, without restarting the server.
- Two web processes on one database: a session started on one works on the other,
  signing out on one ends it on the other, and sign-in failures counted on one
  count for the throttle on the other.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cosell.store.backup import pg_program
from tests import postgres
from tests.backends import PG_TEMPLATE
from tests.ops.procs import Procs, Server, wait_for
from tests.support import ADMIN, SELLER, World, make_world, open_world

pytestmark = pytest.mark.slow

PASSWORD = "password-123"
SESSION_COOKIE = "cosell_session"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def attempt_sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = form_token(client.get("/sign-in").text)
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
    )


def signed_in(base: str, email: str) -> str:
    """The session cookie of `email`, signed in through the form of the server at `base`."""
    with httpx.Client(base_url=base, timeout=10) as client:
        answer = attempt_sign_in(client, email, PASSWORD)
        assert answer.status_code == 303, answer.text
        cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie, "no session cookie after signing in"
    return cookie


def pg_ctl(socket_dir: str, *args: str) -> None:
    postgres._as_postgres(pg_program("pg_ctl"), "-D", f"{socket_dir}/data", "-w", *args)


def stop_postgres(socket_dir: str) -> None:
    pg_ctl(socket_dir, "-m", "fast", "stop")


def start_postgres(socket_dir: str) -> None:
    options = f"-c listen_addresses='' -k {socket_dir} -c fsync=off -c synchronous_commit=off"
    pg_ctl(socket_dir, "-l", f"{socket_dir}/log", "-o", options, "start")


def serve(procs: Procs) -> Server:
    """`cosell serve --no-worker` on a free port, its queue on the same PostgreSQL."""
    return procs.server("--no-worker", queue_url=procs.database_url)


@pytest.fixture
def own_postgres() -> Iterator[str]:
    """A PostgreSQL server of this test alone (the test stops and starts it)."""
    with postgres.server() as socket_dir:
        yield socket_dir


def test_postgres_restart_answers_503_then_recovers(own_postgres: str, tmp_path: Path) -> None:
    world = make_world(postgres.new_database(own_postgres))
    world.db.dispose()
    procs = Procs(tmp_path, world.settings.database_url)
    try:
        server = serve(procs)
        token = world_token(world)
        world.db.dispose()
        api = httpx.Client(
            base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        page = httpx.Client(
            base_url=server.base,
            cookies={SESSION_COOKIE: signed_in(server.base, ADMIN)},
            timeout=10,
        )
        with api, page:
            assert api.get("/api/v1/referrals").status_code == 200
            assert page.get("/").status_code == 200
            assert db_state(server) == "ok"

            stop_postgres(own_postgres)
            try:
                listed = api.get("/api/v1/referrals")
                assert listed.status_code == 503, listed.text
                assert listed.headers["content-type"].startswith("application/problem+json")
                assert listed.json()["status"] == 503
                assert listed.headers["retry-after"]
                shown = page.get("/")
                assert shown.status_code == 503, shown.text
                assert shown.headers["content-type"].startswith("text/html")
                assert "Traceback" not in shown.text
                assert db_state(server) == "unreachable"
            finally:
                start_postgres(own_postgres)

            # Back by itself: no restart of the server (the pool pings its connections).
            wait_for(
                "the API to answer 200", lambda: api.get("/api/v1/referrals").status_code == 200, 10
            )
            assert page.get("/").status_code == 200
            assert db_state(server) == "ok"
        assert server.popen.poll() is None
        assert "Traceback" not in server.output(), server.output()
    finally:
        procs.cleanup()


def world_token(world: World) -> str:
    from cosell.services import accounts

    return accounts.create_token(world.db, user_email=ADMIN)


def db_state(server: Server) -> str:
    """The database part of `/healthz` (always 503 here: no worker beats with --no-worker)."""
    answer = httpx.get(f"{server.base}/healthz", timeout=10)
    assert answer.status_code == 503 or answer.json()["database"] == "ok", answer.text
    state: str = answer.json()["database"]
    return state


@pytest.fixture
def shared_world(postgres_template: str) -> Iterator[World]:
    name = f"cosell_{uuid.uuid4().hex[:12]}"
    url = postgres.new_database(postgres_template, name, template=PG_TEMPLATE)
    world = open_world(url)
    try:
        yield world
    finally:
        world.db.dispose()
        postgres.drop_database(postgres_template, name)


def test_sessions_and_sign_in_throttle_span_web_processes(
    shared_world: World, tmp_path: Path
) -> None:
    procs = Procs(tmp_path, shared_world.settings.database_url)
    try:
        one, two = serve(procs), serve(procs)

        # A session started on one process works on the other.
        cookie = signed_in(one.base, ADMIN)
        with (
            httpx.Client(base_url=one.base, cookies={SESSION_COOKIE: cookie}, timeout=10) as a,
            httpx.Client(base_url=two.base, cookies={SESSION_COOKIE: cookie}, timeout=10) as b,
        ):
            home = b.get("/")
            assert home.status_code == 200, home.text
            assert a.get("/").status_code == 200

            # Signing out on the other ends it on the first.
            out = b.post("/sign-out", data={"csrf_token": form_token(home.text)})
            assert out.status_code == 303, out.text
            after = a.get("/")
            assert after.status_code == 303
            assert after.headers["location"].startswith("/sign-in")
            a.cookies.set(SESSION_COOKIE, cookie)  # the old cookie, sent again
            assert a.get("/").status_code == 303

        # Failures counted on one process count for the throttle on the other.
        with (
            httpx.Client(base_url=one.base, timeout=10) as a,
            httpx.Client(base_url=two.base, timeout=10) as b,
        ):
            for _ in range(5):
                assert attempt_sign_in(a, SELLER, "wrong-password").status_code == 401
            refused = attempt_sign_in(b, SELLER, PASSWORD)
            assert refused.status_code == 429, refused.text
            assert "Retry-After" in refused.headers
            assert SESSION_COOKIE not in b.cookies
    finally:
        procs.cleanup()
