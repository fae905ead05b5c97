"""`cosell undo JOB_ID --as EMAIL [--dry-run] [--json]`: exit codes, JSON, stderr."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app
from cosell.domain.filters import ReferralFilters
from cosell.domain.job_types import ExportOptions
from cosell.services import jobs
from tests.support import ADMIN, OTHER_ADMIN, SELLER, World, csv_bytes, row, run_import

runner = CliRunner()
KEYS = {"job_id", "status", "dry_run", "removed", "restored", "skipped", "conflicts"}


def cosell(world: World, *args: str):
    return runner.invoke(app, ["--database-url", world.settings.database_url, *args])


def imported(world: World, actor=None, **options: Any) -> str:
    return run_import(world, actor or world.admin, csv_bytes([row()]), **options).job_id


def changed_later(world: World) -> tuple[str, str]:
    """An import that updated two deals, one of which was changed again afterwards."""
    first = run_import(world, world.admin, csv_bytes([row(), row(Deal_Name="Two")]))
    a, b = (r["Referral ID"] for r in first.result_rows())
    update = run_import(
        world,
        world.admin,
        csv_bytes([{"Referral ID": a, "Notes": "x"}, {"Referral ID": b, "Notes": "y"}]),
    )
    run_import(world, world.seller, csv_bytes([{"Referral ID": a, "CRM ID": "later"}]))
    return update.job_id, a


def test_undo_json_exits_0_when_everything_was_undone(world):
    job_id = imported(world)
    result = cosell(world, "undo", job_id, "--as", ADMIN, "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == KEYS
    assert payload["status"] == "completed" and payload["dry_run"] is False
    assert (payload["removed"], payload["restored"], payload["skipped"]) == (1, 0, 0)
    assert payload["conflicts"] == [] and payload["job_id"] != job_id


def test_undo_prints_a_summary_for_people(world):
    job_id = imported(world)
    result = cosell(world, "undo", job_id, "--as", ADMIN)
    assert result.exit_code == 0, result.stderr
    assert f"import {job_id} undone: 1 deal removed, 0 restored, 0 skipped" in result.stdout


def test_skipped_deals_exit_1_and_are_listed_on_stderr(world):
    job_id, changed = changed_later(world)
    result = cosell(world, "undo", job_id, "--as", ADMIN, "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert (payload["restored"], payload["skipped"]) == (1, 1)
    [conflict] = payload["conflicts"]
    assert conflict["referral_id"] == changed and conflict["fields"] == ["CRM ID"]
    assert conflict["changed_by"] == SELLER and conflict["changed_at"].endswith("+00:00")
    assert f"skipped {changed}: changed after the import (CRM ID) by {SELLER}" in result.stderr


def test_dry_run_reports_the_same_counts_and_changes_nothing(world):
    job_id, _ = changed_later(world)
    preview = cosell(world, "undo", job_id, "--as", ADMIN, "--dry-run", "--json")
    assert preview.exit_code == 1
    dry = json.loads(preview.stdout)
    assert dry["dry_run"] is True and (dry["restored"], dry["skipped"]) == (1, 1)
    text = cosell(world, "undo", job_id, "--as", ADMIN, "--dry-run")
    assert "dry run: nothing was changed" in text.stdout
    real = json.loads(cosell(world, "undo", job_id, "--as", ADMIN, "--json").stdout)
    assert {k: real[k] for k in ("removed", "restored", "skipped", "conflicts")} == {
        k: dry[k] for k in ("removed", "restored", "skipped", "conflicts")
    }


def test_undoing_twice_exits_2_with_a_message(world):
    job_id = imported(world)
    assert cosell(world, "undo", job_id, "--as", ADMIN).exit_code == 0
    again = cosell(world, "undo", job_id, "--as", ADMIN)
    assert again.exit_code == 2
    assert "already undone" in again.stderr and "Traceback" not in again.stderr
    as_json = cosell(world, "undo", job_id, "--as", ADMIN, "--json")
    assert as_json.exit_code == 2
    payload = json.loads(as_json.stdout)
    assert payload["status"] == "rejected" and payload["job_id"] is None
    assert "already undone" in payload["errors"][0]
    assert set(payload) == {*KEYS, "errors"}


def test_refused_jobs_exit_2(world):
    export_id = jobs.submit_export(world.db, world.admin, ExportOptions(ReferralFilters()))
    jobs.run_job(world.db, export_id, world.settings)
    cases = [
        (export_id, ADMIN, "is an export, not an import"),
        (imported(world, dry_run=True), ADMIN, "was a dry run"),
        ("no-such-job", ADMIN, "Import job no-such-job was not found"),
        (imported(world), OTHER_ADMIN, "was not found"),
        (imported(world), SELLER, "was not found"),
        (imported(world), "nobody@org-a.example", "nobody@org-a.example"),
    ]
    for job_id, who, message in cases:
        result = cosell(world, "undo", job_id, "--as", who)
        assert result.exit_code == 2, (job_id, who, result.stdout)
        assert message in result.stderr and result.stderr.startswith("error: ")
        as_json = cosell(world, "undo", job_id, "--as", who, "--json")
        assert as_json.exit_code == 2
        assert json.loads(as_json.stdout)["status"] == "rejected"


def test_an_import_made_before_undo_existed_exits_2(world):
    from sqlalchemy import text

    job_id = imported(world)
    with world.db.write() as conn:
        conn.execute(
            text("UPDATE referral_history SET version = NULL WHERE job_id = :i"), {"i": job_id}
        )
    result = cosell(world, "undo", job_id, "--as", ADMIN)
    assert result.exit_code == 2
    assert "made before imports could be undone" in result.stderr
