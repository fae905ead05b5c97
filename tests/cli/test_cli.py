"""The command line contract (rules §5.1): --json objects, exit codes, stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app
from tests.support import ADMIN, SELLER, World, csv_bytes, read_csv, row

runner = CliRunner()


def cosell(world: World, *args: str):
    return runner.invoke(app, ["--database-url", world.settings.database_url, *args])


def test_init_creates_the_schema_and_demo_prints_logins(empty_database_url):
    url = empty_database_url
    result = runner.invoke(app, ["--database-url", url, "init", "--demo"])
    assert result.exit_code == 0, result.output
    assert "admin@contoso.example" in result.stdout and "password" in result.stdout
    again = runner.invoke(app, ["--database-url", url, "init", "--demo"])
    assert again.exit_code == 0 and "already exists" in again.stdout


def test_a_database_without_the_schema_says_run_init(empty_database_url, tmp_path):
    url = empty_database_url
    for args in (["export", "--as", ADMIN, "-o", str(tmp_path / "out.csv")],
                 ["org", "create", "Org Z"]):  # fmt: skip
        result = runner.invoke(app, ["--database-url", url, *args])
        assert result.exit_code == 2, result.output
        assert "no cosell schema yet; run `cosell init` first" in result.stderr
        assert "Traceback" not in result.output


def test_org_user_and_solution_commands(world):
    assert cosell(world, "org", "create", "Org C", "--partner-id", "333").exit_code == 0
    dup = cosell(world, "org", "create", "Org C")
    assert dup.exit_code == 2 and "already exists" in dup.stderr
    added = cosell(world, "user", "add", "x@org-c.example", "--org", "Org C", "--role", "user")
    assert added.exit_code == 0 and "password:" in added.stdout
    bad_role = cosell(world, "user", "add", "y@org-c.example", "--org", "Org C", "--role", "boss")
    assert bad_role.exit_code == 2
    sol = cosell(world, "solution", "add", "SOL-7777-ABCD", "--org", "Org C", "--name", "Seven")
    assert sol.exit_code == 0
    bad_sol = cosell(world, "solution", "add", "bad id!", "--org", "Org C")
    assert bad_sol.exit_code == 2 and "not a solution ID" in bad_sol.stderr


def test_import_json_all_rows_succeed_exit_0(world, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([row(), row()]))
    out = tmp_path / "results.xlsx"
    result = cosell(world, "import", str(path), "--as", ADMIN, "--json", "--results", str(out))
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "job_id",
        "status",
        "dry_run",
        "rows",
        "created",
        "updated",
        "unchanged",
        "failed",
        "results_file",
        "duration_s",
        "errors",
        "warnings",
    }
    assert payload["status"] == "completed" and payload["created"] == 2
    assert payload["results_file"] == str(out) and out.read_bytes().startswith(b"PK")


def test_import_with_failed_rows_exits_1_and_lists_them_on_stderr(world, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([row(), row(Currency="EURO")]))
    results = tmp_path / "results.csv"
    result = cosell(world, "import", str(path), "--as", ADMIN, "--results", str(results))
    assert result.exit_code == 1
    assert "row 3: Currency:" in result.stderr
    assert [r["Import Result"] for r in read_csv(results.read_bytes())] == ["Created", "Failed"]


def test_import_dry_run_json(world, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([row()]))
    result = cosell(world, "import", str(path), "--as", ADMIN, "--dry-run", "--json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 0 and payload["dry_run"] is True and payload["created"] == 1
    export = cosell(world, "export", "--as", ADMIN, "-o", str(tmp_path / "e.csv"), "--json")
    assert json.loads(export.stdout)["rows"] == 0


def test_rejected_file_exits_2_with_json_errors(world, tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    result = cosell(world, "import", str(path), "--as", ADMIN, "--json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["status"] == "rejected" and payload["errors"]
    assert "file rejected" in result.stderr and "Traceback" not in result.stderr


def test_import_unknown_user_or_missing_file_is_bad_usage(world, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([row()]))
    unknown = cosell(world, "import", str(path), "--as", "nobody@x.example")
    assert unknown.exit_code == 2 and "no active user" in unknown.stderr
    missing = cosell(world, "import", str(tmp_path / "missing.csv"), "--as", ADMIN)
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr


def test_export_json_and_filters(world, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([row(), row(Customer_Country="NL")]))
    cosell(world, "import", str(path), "--as", ADMIN)
    out = tmp_path / "nl.csv"
    result = cosell(world, "export", "--as", ADMIN, "-o", str(out), "--country", "nl", "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "job_id",
        "status",
        "rows",
        "matched",
        "truncated",
        "file",
        "duration_s",
    }
    assert (payload["rows"], payload["matched"], payload["truncated"]) == (1, 1, False)
    [exported] = read_csv(out.read_bytes())
    assert exported["Customer Country"] == "NL" and exported["Errors"] == ""


def test_export_as_referrals_user_sees_only_their_deals(world, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([row(), row(Team_member_1=f"A, B, , {ADMIN}")]))
    cosell(world, "import", str(path), "--as", ADMIN)
    out = tmp_path / "mine.csv"
    result = cosell(world, "export", "--as", SELLER, "-o", str(out), "--json")
    assert json.loads(result.stdout)["rows"] == 1


def test_export_in_dutch_with_semicolons(world, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes([row()]))
    cosell(world, "import", str(path), "--as", ADMIN)
    out = tmp_path / "nl.csv"
    result = cosell(
        world, "export", "--as", ADMIN, "-o", str(out), "--lang", "nl", "--delimiter", ";"
    )
    assert result.exit_code == 0, result.stderr
    text = out.read_bytes().decode("utf-8-sig")
    assert "Dealnaam" in text.split("\r\n")[0] and ";" in text
    assert "12563,50" in text


def test_export_bad_options_exit_2(world, tmp_path):
    bad_ext = cosell(world, "export", "--as", ADMIN, "-o", str(tmp_path / "x.txt"))
    bad_lang = cosell(world, "export", "--as", ADMIN, "-o", str(tmp_path / "x.csv"), "--lang", "xx")
    bad_status = cosell(
        world, "export", "--as", ADMIN, "-o", str(tmp_path / "x.csv"), "--status", "Open"
    )
    assert bad_ext.exit_code == bad_lang.exit_code == bad_status.exit_code == 2
    assert "unknown status" in bad_status.stderr


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_template(world, tmp_path, suffix):
    out = tmp_path / f"template.{suffix}"
    result = cosell(world, "template", "-o", str(out), "--lang", "fr")
    assert result.exit_code == 0 and out.stat().st_size > 0


def test_the_installed_command_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("cosell")),
            "--database-url",
            f"sqlite:///{tmp_path / 'x.db'}",
            "import",
            str(bad),
            "--as",
            "a@b.example",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_oversize_file_is_rejected_before_anything_is_stored(world, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes([row()] * 20))
    result = runner.invoke(
        app,
        [
            "--database-url",
            world.settings.database_url,
            "import",
            str(path),
            "--as",
            ADMIN,
            "--json",
        ],
        env={"COSELL_MAX_UPLOAD_BYTES": "1024"},
    )
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["status"] == "rejected" and payload["job_id"] is None
    assert payload["errors"][0].startswith("The file is ")
    assert payload["errors"][0].endswith("; at most 1 KiB can be processed.")
