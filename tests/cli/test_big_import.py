"""`cosell import` of a big file: read from disk a part at a time, imported in chunks,
its results file written a part at a time; `--dry-run` writes nothing."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app
from cosell.services import jobs
from tests.support import ADMIN, World, csv_bytes, read_csv, row

runner = CliRunner()
COUNT = 450
BIG = {"COSELL_IMPORT_CHUNK_ROWS": "100", "COSELL_MAX_IMPORT_ROWS": "1000"}


def test_a_big_file_from_the_command_line(world: World, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "WHOLE_FILE_BYTES", 0)
    path = tmp_path / "big.csv"
    path.write_bytes(
        csv_bytes([row(Deal_Name=f"Cli deal {i}", CRM_ID=f"CLI-{i}") for i in range(COUNT)])
    )
    out = tmp_path / "results.csv"
    url = ["--database-url", world.settings.database_url]

    dry = runner.invoke(
        app, [*url, "import", str(path), "--as", ADMIN, "--json", "--dry-run"], env=BIG
    )
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["created"] == COUNT

    result = runner.invoke(
        app,
        [*url, "import", str(path), "--as", ADMIN, "--json", "--results", str(out)],
        env=BIG,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["created"], summary["failed"]) == (COUNT, COUNT, 0)
    lines = read_csv(out.read_bytes())
    assert [line["CRM ID"] for line in lines] == [f"CLI-{i}" for i in range(COUNT)]

    again = runner.invoke(app, [*url, "import", str(out), "--as", ADMIN, "--json"], env=BIG)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["unchanged"] == COUNT  # nothing created twice
