"""The deployment examples in deploy/: each is read as its tool reads it, checked
against the settings the app reads, and its commands are run here, exactly as written,
against throw-away PostgreSQL and Redis servers (no Docker engine or systemd needed):
the web answers /healthz and the workers complete an uploaded import."""

from __future__ import annotations

import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from cosell.settings import Settings
from tests import postgres
from tests.ops.procs import COSELL, Procs, deals_file, free_port, wait_for
from tests.ops.test_scale_jobs import applied_once
from tests.redis_server import RedisServer
from tests.support import make_world

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
UNITS = {p.name: p for p in sorted((DEPLOY / "systemd").glob("*.service"))}
ENV_FILE = DEPLOY / "cosell.env.example"
SETTINGS = {f"COSELL_{name.upper()}" for name in Settings.model_fields}
COMMANDS = {"init", "serve", "worker"}


# --- reading the files -----------------------------------------------------------------


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: sections of keys, each key with its values in
    order (a key may repeat), comments and blank lines left out, `\\` continues a line."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not KEY=VALUE"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(unit: dict[str, dict[str, list[str]]], section: str, key: str) -> str:
    values = unit[section][key]
    assert len(values) == 1, f"{key}= given {len(values)} times"
    return values[0]


def exec_start(name: str) -> list[str]:
    """The unit's command line. Without % specifiers or $ variables, systemd splits it
    as the shell would."""
    line = one(read_unit(UNITS[name]), "Service", "ExecStart")
    assert "%" not in line and "$" not in line, line
    return shlex.split(line)


def env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """The KEY=VALUE settings of an environment file, and every name it mentions, also
    in commented-out lines (`#COSELL_X=…`)."""
    values: dict[str, str] = {}
    names: set[str] = set()
    for line in path.read_text().splitlines():
        found = re.match(r"\s*(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if found:
            names.add(found.group(2))
            if not found.group(1):
                values[found.group(2)] = found.group(3).strip()
    return values, names


def interpolate(value: Any) -> Any:
    """Compose's `${VAR:-default}` / `${VAR}` in a value, with the defaults (nothing is
    set here)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}", lambda m: m.group(2) or "", value)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def service_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(interpolate(v)) for k, v in env.items()}


def with_value(argv: list[str], option: str, value: str) -> list[str]:
    """`argv` with the value after `option` replaced (adapting a command to this machine)."""
    at = argv.index(option)
    return [*argv[: at + 1], value, *argv[at + 2 :]]


# --- running the commands ----------------------------------------------------------------


@pytest.fixture
def servers(postgres_server: str, redis: RedisServer) -> Iterator[tuple[str, str]]:
    """A new PostgreSQL database and a Redis server: their URLs."""
    url = postgres.new_database(postgres_server)
    yield url, redis.url
    postgres.drop_database(postgres_server, make_url(url).database or "")


def run_deployment(
    tmp: Path,
    database_url: str,
    settings: dict[str, str],
    migrate: list[str],
    web: list[str],
    worker: list[str],
    workers: int,
    healthcheck: list[str] | None = None,
) -> None:
    """Run the deployment's commands (`cosell …` argv lists, web on a free port) with
    `settings` (COSELL_ names): the schema, then a web server and `workers` workers;
    an upload through the web is completed by a worker; the web's `healthcheck` (a
    `python …` command asking port 8000) passes; all stop on SIGTERM."""
    for argv in (migrate, web, worker):
        assert Path(argv[0]).name == "cosell" and argv[1] in COMMANDS, argv
    env = {k.removeprefix("COSELL_").lower(): v for k, v in settings.items()}
    assert env.pop("database_url") == database_url
    procs = Procs(tmp, database_url, **env)
    try:
        migrated = subprocess.run(
            [str(COSELL), *migrate[1:]],
            env=procs.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert "database ready" in migrated.stdout
        world = make_world(database_url)  # the schema is there: this adds two organizations

        port = free_port()
        web = with_value(with_value(web, "--port", str(port)), "--host", "127.0.0.1")
        base = f"http://127.0.0.1:{port}"
        started = [procs.start(*worker[1:], name="worker") for _ in range(workers)]
        server = procs.serving(base, *web[1:])
        for proc in started:
            proc.wait_output("Huey consumer started")

        job_id = server.upload(world, deals_file("DEPLOY", 5))
        applied_once(world, job_id, "DEPLOY", 5)
        wait_for("every worker's heartbeat", lambda: _workers_seen(base) == workers)
        if healthcheck is not None:
            assert healthcheck[0] == "python", healthcheck
            argv = [sys.executable, *(a.replace(":8000/", f":{port}/") for a in healthcheck[1:])]
            checked = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            assert checked.returncode == 0, checked.stderr

        for proc in [server, *started]:  # as systemd and compose stop them: SIGTERM
            proc.popen.send_signal(signal.SIGTERM)
        for proc in [server, *started]:
            assert proc.popen.wait(30) == 0, proc.output()
        world.db.dispose()
    finally:
        procs.cleanup()


def _workers_seen(base: str) -> int:
    answer = httpx.get(f"{base}/healthz", timeout=10)
    count: int = answer.json()["worker"]["count"] if answer.status_code == 200 else 0
    return count


# --- systemd ------------------------------------------------------------------------------


def test_the_units_and_the_env_file_name_real_commands_and_settings() -> None:
    assert set(UNITS) == {
        "cosell-migrate.service",
        "cosell-web.service",
        "cosell-worker@.service",
    }
    for name, path in UNITS.items():
        unit = read_unit(path)
        assert set(unit) == {"Unit", "Service", "Install"}, name
        assert one(unit, "Service", "EnvironmentFile") == "/etc/cosell/cosell.env"
        assert one(unit, "Service", "User") == "cosell"
        argv = exec_start(name)
        assert argv[0] == "/opt/cosell/.venv/bin/cosell" and argv[1] in COMMANDS, argv
    assert exec_start("cosell-migrate.service")[1:] == ["init"]
    assert one(read_unit(UNITS["cosell-migrate.service"]), "Service", "Type") == "oneshot"
    web = exec_start("cosell-web.service")
    assert web[1] == "serve" and "--no-worker" in web
    assert int(web[web.index("--processes") + 1]) > 1
    assert exec_start("cosell-worker@.service")[1:] == ["worker"]
    worker = read_unit(UNITS["cosell-worker@.service"])
    assert one(worker, "Service", "KillSignal") == "SIGTERM"  # a gentle stop (README)

    values, names = env_file(ENV_FILE)
    assert names <= SETTINGS, f"not settings of the app: {names - SETTINGS}"
    assert make_url(values["COSELL_DATABASE_URL"]).get_backend_name() == "postgresql"
    assert values["COSELL_QUEUE_URL"].startswith("redis://")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the units, their program path pointed at this
    checkout's `cosell` (verify checks that it is executable)."""
    for name, path in UNITS.items():
        text = path.read_text().replace("/opt/cosell/.venv/bin/cosell", str(COSELL))
        (tmp_path / name).write_text(text)
    instance = tmp_path / "cosell-worker@1.service"
    instance.symlink_to(tmp_path / "cosell-worker@.service")
    checked = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout + checked.stderr == ""  # no unknown keys, no warnings


def test_the_units_commands_run_a_deployment(servers: tuple[str, str], tmp_path: Path) -> None:
    database_url, queue_url = servers
    values, _ = env_file(ENV_FILE)
    # The env file's servers are these local ones; its other settings stay as they are.
    settings = values | {"COSELL_DATABASE_URL": database_url, "COSELL_QUEUE_URL": queue_url}
    run_deployment(
        tmp_path,
        database_url,
        settings,
        exec_start("cosell-migrate.service"),
        exec_start("cosell-web.service"),
        exec_start("cosell-worker@.service"),
        workers=2,  # cosell-worker@1 and @2
    )


# --- compose --------------------------------------------------------------------------------


def test_compose_services_match_the_app() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker"}
    db = services["postgres"]["environment"]
    for name in ("migrate", "web", "worker"):
        service = services[name]
        assert service["command"][0] == "cosell" and service["command"][1] in COMMANDS, name
        build = service["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == REPO and (context / build["dockerfile"]).is_file()
        env = service_env(service)
        assert set(env) <= SETTINGS, f"{name}: not settings of the app: {set(env) - SETTINGS}"
        database = make_url(env["COSELL_DATABASE_URL"])
        assert database.get_backend_name() == "postgresql"
        assert (database.host, database.port) == ("postgres", 5432)
        assert database.username == db["POSTGRES_USER"]
        assert database.password == interpolate(db["POSTGRES_PASSWORD"])
        assert database.database == db["POSTGRES_DB"]
        queue = make_url(env["COSELL_QUEUE_URL"])
        assert (queue.drivername, queue.host) == ("redis", "redis")
    assert services["migrate"]["command"] == ["cosell", "init"]
    web = services["web"]
    assert web["command"][1] == "serve" and "--no-worker" in web["command"]
    container_port = web["command"][web["command"].index("--port") + 1]
    assert any(p.endswith(f":{container_port}") for p in web["ports"])
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    worker = services["worker"]
    assert worker["command"] == ["cosell", "worker"]
    assert worker["deploy"]["replicas"] == 3
    assert worker["stop_signal"] == "SIGTERM"
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_dockerfile_installs_cosell_with_the_scale_extra() -> None:
    lines = [
        line.strip()
        for line in (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    copied = [line.split()[1:-1] for line in lines if line.startswith("COPY ")]
    for sources in copied:
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    assert any("pip install" in line and "'.[scale]'" in line for line in lines), lines
    command = next(line for line in lines if line.startswith("CMD "))
    argv = yaml.safe_load(command.removeprefix("CMD "))  # a JSON array
    assert argv[0] == "cosell" and argv[1] in COMMANDS
    # The builder gets only what the image copies (BuildKit's per-Dockerfile ignore file).
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert "*" in ignore and {f"!{s}" for sources in copied for s in sources} <= set(ignore)


def test_the_compose_commands_run_a_deployment(servers: tuple[str, str], tmp_path: Path) -> None:
    database_url, queue_url = servers
    services = compose()["services"]
    # Each service's environment, its servers replaced by the local ones.
    env = service_env(services["worker"])
    assert all(service_env(services[s]) == env for s in ("migrate", "web"))
    settings = env | {"COSELL_DATABASE_URL": database_url, "COSELL_QUEUE_URL": queue_url}
    run_deployment(
        tmp_path,
        database_url,
        settings,
        services["migrate"]["command"],
        services["web"]["command"],
        services["worker"]["command"],
        workers=services["worker"]["deploy"]["replicas"],
        healthcheck=_exec_form(services["web"]["healthcheck"]["test"]),
    )


def _exec_form(test: list[str]) -> list[str]:
    """A compose healthcheck's command: `["CMD", program, args…]`."""
    assert test[0] == "CMD", test
    return test[1:]
