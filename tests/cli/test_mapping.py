"""`cosell import --mapping/--mapping-profile` and `cosell mapping` (issue 10 §3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app
from tests.crm import ORG_VALUES, SAMPLES
from tests.support import ADMIN, SELLER, World, read_csv

runner = CliRunner()


def cosell(world: World, *args: str):
    return runner.invoke(app, ["--database-url", world.settings.database_url, *args])


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_each_crm_sample_with_its_built_in_profile_and_the_orgs_values(world, tmp_path, key):
    sample = SAMPLES[key]
    values = write_json(tmp_path / "org.json", ORG_VALUES)
    out = tmp_path / "results.csv"
    result = cosell(
        world, "import", str(sample.path), "--as", ADMIN, "--mapping-profile", key,
        "--mapping", str(values), "--results", str(out), "--json",
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["created"], summary["failed"]) == (
        sample.rows,
        sample.created,
        sample.failed,
    )
    rows = read_csv(out.read_bytes())
    for number, reason in sample.failures.items():
        assert reason in rows[number - 2]["Errors"]
        assert rows[number - 2]["Import Result"] == "Failed"


def test_a_saved_profile_is_used_by_name_and_listed(world, tmp_path):
    profile = json.loads(cosell(world, "mapping", "show", "salesforce", "--as", ADMIN).stdout)
    profile["values"].update(ORG_VALUES["values"])
    saved = cosell(
        world, "mapping", "save", "Our Salesforce", str(write_json(tmp_path / "m.json", profile)),
        "--as", ADMIN,
    )  # fmt: skip
    assert saved.exit_code == 0, saved.stderr
    assert saved.stdout.strip() == 'mapping profile "Our Salesforce" saved'
    listed = json.loads(cosell(world, "mapping", "list", "--as", SELLER, "--json").stdout)
    assert [p["name"] for p in listed if not p["builtin"]] == ["Our Salesforce"]
    assert {p["name"] for p in listed if p["builtin"]} == {
        "Salesforce opportunities",
        "HubSpot deals",
        "Dynamics 365 Sales opportunities",
    }
    text = cosell(world, "mapping", "list", "--as", SELLER).stdout
    assert "Our Salesforce  [saved, 13 columns]" in text
    result = cosell(
        world, "import", str(SAMPLES["salesforce"].path), "--as", SELLER,
        "--mapping-profile", "our salesforce", "--dry-run", "--json",
    )  # fmt: skip
    summary = json.loads(result.stdout)
    # The seller is no team member of the admin's constant: every row says so.
    assert summary["created"] == 0
    assert summary["failed"] == 15
    # Another user cannot replace or delete the admin's profile.
    again = cosell(
        world, "mapping", "save", "Our Salesforce", str(tmp_path / "m.json"), "--as", SELLER
    )
    assert again.exit_code == 2
    assert "only a Referrals admin may replace it" in again.stderr
    gone = cosell(world, "mapping", "delete", "our salesforce", "--as", SELLER)
    assert gone.exit_code == 2
    assert cosell(world, "mapping", "delete", "our salesforce", "--as", ADMIN).exit_code == 0
    assert cosell(world, "mapping", "show", "Our Salesforce", "--as", ADMIN).exit_code == 2


def test_a_mapping_that_cannot_be_used_is_refused_before_anything_is_stored(world, tmp_path):
    bad = write_json(tmp_path / "bad.json", {"columns": {"Opportunity Name": "Deal Nam"}})
    result = cosell(world, "import", str(SAMPLES["salesforce"].path), "--as", ADMIN,
                    "--mapping", str(bad))  # fmt: skip
    assert result.exit_code == 2
    assert 'columns: "Opportunity Name": "Deal Nam" is not one of our columns' in result.stderr
    saved = cosell(world, "mapping", "save", "X", str(bad), "--as", ADMIN)
    assert saved.exit_code == 2
    not_json = tmp_path / "broken.json"
    not_json.write_text("{columns", encoding="utf-8")
    result = cosell(world, "import", str(SAMPLES["salesforce"].path), "--as", ADMIN,
                    "--mapping", str(not_json))  # fmt: skip
    assert result.exit_code == 2
    assert "the mapping file is not JSON (line 1" in result.stderr
    unknown = cosell(world, "import", str(SAMPLES["salesforce"].path), "--as", ADMIN,
                     "--mapping-profile", "Pipedrive")  # fmt: skip
    assert unknown.exit_code == 2
    assert 'There is no mapping profile named "Pipedrive"' in unknown.stderr
    builtin = cosell(world, "mapping", "save", "HubSpot deals", str(tmp_path / "bad.json"),
                     "--as", ADMIN)  # fmt: skip
    assert builtin.exit_code == 2
    assert "is a built-in profile" in builtin.stderr


def test_a_crm_file_without_a_mapping_is_still_rejected_as_before(world):
    result = cosell(world, "import", str(SAMPLES["salesforce"].path), "--as", ADMIN)
    assert result.exit_code == 2
    assert "file rejected" in result.stderr
    # HubSpot's Deal Name, Currency and City are ours: its rows fail on the rest.
    result = cosell(world, "import", str(SAMPLES["hubspot"].path), "--as", ADMIN, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == SAMPLES["hubspot"].rows
