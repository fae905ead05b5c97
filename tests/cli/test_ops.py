"""`cosell backup`, `cosell restore` and `cosell check` on SQLite (issue 7, "Backups and
restore"): a restore never lands on data by accident, and `check` finds each kind of
damage an operator can meet, made here with plain SQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app
from cosell.domain.job_types import ImportOptions
from cosell.services import jobs as job_service
from cosell.store.integrity import schema_head
from tests.support import World, csv_bytes, row, run_import

runner = CliRunner()

#: These tests read and damage the SQLite file itself (tests/ops/test_backup.py has
#: PostgreSQL's backup and check).
sqlite_file = pytest.mark.sqlite_only("reads and writes the SQLite database file")


def cosell(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args])


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def db_file(world: World) -> Path:
    return Path(world.settings.database_url.removeprefix("sqlite:///"))


def content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """What an operator would call "the data": every row of the tables that hold it."""
    con = sqlite3.connect(path)
    try:
        return {
            table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("organizations", "users", "referrals", "jobs", "blobs", "alembic_version")
        }
    finally:
        con.close()


@pytest.fixture
def imported(world: World) -> World:
    """The test world with two imports done: referrals with items, jobs and blobs."""
    for n in range(2):
        # Items of every shape: a price with cents, parts left off, an empty mobile.
        deals = [row(Deal_Name=f"Deal {n}-{i}") for i in range(3)]
        deals[0]["Solution 2"] = "SOL-2001-AZML, EUR, 10.5"
        deals[1]["Solution 2"] = "SOL-3100-SECR"
        deals[1]["Team member 2"] = f"Ann, Other, , ann{n}@org-a.example"
        data = csv_bytes(deals)
        done = run_import(world, world.admin, data)
        assert done.status == "completed" and done.count("created") == 3, done.failures
    return world


@sqlite_file
def test_backup_then_restore_into_a_new_file_gives_the_same_data(imported, tmp_path):
    backup = tmp_path / "backup.db"
    made = cosell(imported.settings.database_url, "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert "backup written to" in made.stdout and backup.stat().st_size > 0

    fresh = tmp_path / "fresh.db"
    restored = cosell(url_of(fresh), "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    assert content(fresh) == content(db_file(imported))
    checked = cosell(url_of(fresh), "check")
    assert checked.exit_code == 0, checked.output


@sqlite_file
def test_backup_and_restore_refuse_a_missing_database_and_the_database_itself(tmp_path, world):
    missing = cosell(url_of(tmp_path / "nothing.db"), "backup", str(tmp_path / "b.db"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert not (tmp_path / "nothing.db").exists() and not (tmp_path / "b.db").exists()
    itself = cosell(world.settings.database_url, "backup", str(db_file(world)))
    assert itself.exit_code == 2 and "the database itself" in itself.stderr
    onto = cosell(world.settings.database_url, "restore", str(db_file(world)), "--force")
    assert onto.exit_code == 2 and "the database itself" in onto.stderr


@sqlite_file
def test_restore_over_data_is_refused_without_force_and_replaces_with_it(
    imported, template_db, tmp_path
):
    backup = tmp_path / "backup.db"
    assert cosell(imported.settings.database_url, "backup", str(backup)).exit_code == 0

    # Another database holding data of its own: the untouched two-organization template.
    other = tmp_path / "other.db"
    other.write_bytes(template_db.read_bytes())
    before = content(other)
    refused = cosell(url_of(other), "restore", str(backup))
    assert refused.exit_code == 2, refused.output
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert content(other) == before

    forced = cosell(url_of(other), "restore", str(backup), "--force")
    assert forced.exit_code == 0, forced.output
    assert content(other) == content(db_file(imported)) != before
    assert cosell(url_of(other), "check").exit_code == 0


@sqlite_file
def test_restore_refuses_a_file_that_is_not_a_backup(world, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    fresh = tmp_path / "fresh.db"
    result = cosell(url_of(fresh), "restore", str(junk))
    assert result.exit_code == 2 and "not a cosell backup" in result.stderr
    plain = tmp_path / "plain.db"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.close()
    result = cosell(url_of(fresh), "restore", str(plain))
    assert result.exit_code == 2 and "not a cosell backup" in result.stderr
    missing = cosell(url_of(fresh), "restore", str(tmp_path / "missing.db"))
    assert missing.exit_code == 2
    assert not fresh.exists() or fresh.stat().st_size == 0


def test_check_passes_on_a_healthy_database(imported):
    result = cosell(imported.settings.database_url, "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok:")
    as_json = cosell(imported.settings.database_url, "check", "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == {"ok": True, "problems": []}


def _sql(*statements: str) -> Callable[[sqlite3.Connection], None]:
    def run(con: sqlite3.Connection) -> None:
        for statement in statements:
            con.execute(statement)

    return run


_FIRST = "(SELECT min(pk) FROM referrals)"
_OLD = "'2000-01-01 00:00:00.000000'"

#: A kind of damage → the SQL that makes it, and the start of the line `check` prints.
DAMAGE: dict[str, tuple[Callable[[sqlite3.Connection], None], list[str]]] = {
    "orphan blob": (
        _sql(
            "INSERT INTO blobs (id, org_id, name, content_type, size, data, created_at) "
            f"VALUES ('orphan-blob', 1, 'lost.csv', 'text/csv', 1, x'41', {_OLD})"
        ),
        ["orphan blobs:"],
    ),
    "orphan children": (
        _sql(
            f"INSERT INTO favorites (user_id, referral_pk) VALUES (1, {_FIRST})",
            f"DELETE FROM referrals WHERE pk = {_FIRST}",
        ),
        [
            "orphan referral_solutions:",
            "orphan referral_team_members:",
            "orphan referral_history:",
            "orphan favorites:",
            "foreign keys:",
        ],
    ),
    "solution cells": (
        _sql(f"UPDATE referrals SET solution_cells = 'SOL-9999-ZZZZ' WHERE pk = {_FIRST}"),
        ["cells:"],
    ),
    "team cells": (
        _sql(f"UPDATE referrals SET team_cells = '' WHERE pk = {_FIRST}"),
        ["cells:"],
    ),
    "stuck running job": (
        _sql(
            "UPDATE jobs SET status = 'running', finished_at = NULL, "
            f"heartbeat_at = {_OLD} WHERE id = (SELECT min(id) FROM jobs)"
        ),
        ["stuck jobs:"],
    ),
    "stuck queued job": (
        _sql(
            f"UPDATE jobs SET status = 'queued', finished_at = NULL, heartbeat_at = NULL, "
            f"created_at = {_OLD} WHERE id = (SELECT min(id) FROM jobs)"
        ),
        ["stuck jobs:"],
    ),
    "schema behind": (
        _sql("UPDATE alembic_version SET version_num = '0001'"),
        ["schema:"],
    ),
    "no schema": (
        _sql("DROP TABLE alembic_version"),
        ["schema:"],
    ),
    "foreign key": (
        _sql("UPDATE jobs SET user_id = 999 WHERE id = (SELECT min(id) FROM jobs)"),
        ["foreign keys:"],
    ),
    # An index whose definition no longer matches its entries: what a torn write leaves.
    "integrity": (
        _sql(
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_referrals_org_deal_name "
            "ON referrals (org_id, city)' WHERE name = 'ix_referrals_org_deal_name'",
            "PRAGMA writable_schema = OFF",
        ),
        ["integrity:"],
    ),
}


@sqlite_file
@pytest.mark.parametrize("kind", DAMAGE)
def test_check_reports_each_kind_of_damage(imported, kind):
    damage, expected = DAMAGE[kind]
    con = sqlite3.connect(db_file(imported), isolation_level=None)  # foreign keys off
    try:
        damage(con)
    finally:
        con.close()
    imported.db.dispose()

    result = cosell(imported.settings.database_url, "check")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert not any(line.startswith("ok") for line in lines)

    as_json = cosell(imported.settings.database_url, "check", "--json")
    assert as_json.exit_code == 1
    payload = json.loads(as_json.stdout)
    assert payload["ok"] is False
    assert {p["check"] for p in payload["problems"]} >= {e.rstrip(":") for e in expected}
    assert [f"{p['check']}: {p['message']}" for p in payload["problems"]] == lines


@sqlite_file
def test_check_counts_a_job_queued_for_a_short_while_as_healthy(imported):
    job_service.submit_import(
        imported.db,
        imported.admin,
        "waiting.csv",
        csv_bytes([row()]),
        ImportOptions(),
        imported.settings,
    )
    con = sqlite3.connect(db_file(imported), isolation_level=None)
    con.execute(
        "UPDATE jobs SET created_at = datetime('now', '-2 minutes') WHERE status = 'queued'"
    )
    con.close()
    assert cosell(imported.settings.database_url, "check").exit_code == 0
    # …but not when the operator says a minute of waiting is already too long.
    fussy = cosell(imported.settings.database_url, "check", "--queued-minutes", "1")
    assert fussy.exit_code == 1 and "stuck jobs:" in fussy.stdout


def test_schema_head_is_the_newest_migration():
    assert schema_head() >= "0003"
