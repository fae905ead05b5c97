"""`cosell import` options of issue 6: --overwrite-newer, --allow-duplicates and
--date-order change the outcome (and the JSON and exit code say so)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app
from cosell.domain.filters import ReferralFilters
from cosell.store.referrals import ReferralRepository
from tests.support import ADMIN, SELLER, World, csv_bytes, read_csv, row

runner = CliRunner()


def cosell(world: World, *args: str):
    return runner.invoke(app, ["--database-url", world.settings.database_url, *args])


def import_file(
    world: World, path: Path, *options: str, who: str = ADMIN
) -> tuple[int, dict[str, Any]]:
    result = cosell(world, "import", str(path), "--as", who, "--json", *options)
    return result.exit_code, json.loads(result.stdout)


def stored(world: World):
    with world.db.read() as conn:
        return ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=100)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_overwrite_newer(world, tmp_path):
    created = write(tmp_path / "new.csv", csv_bytes([row()]))
    assert import_file(world, created)[0] == 0
    for who, name in ((ADMIN, "admin.csv"), (SELLER, "seller.csv")):
        out = cosell(world, "export", "--as", who, "-o", str(tmp_path / name))
        assert out.exit_code == 0, out.stderr
    admins = read_csv((tmp_path / "admin.csv").read_bytes())
    admins[0]["Notes"] = "admin's newer notes"
    assert import_file(world, write(tmp_path / "a.csv", csv_bytes(admins)))[0] == 0
    sellers = read_csv((tmp_path / "seller.csv").read_bytes())
    sellers[0]["CRM ID"] = "SELLER-CRM"
    stale = write(tmp_path / "s.csv", csv_bytes(sellers))

    code, payload = import_file(world, stale, who=SELLER)
    assert (code, payload["failed"], payload["updated"]) == (1, 1, 0)
    [ref] = stored(world)
    assert (ref.notes, ref.crm_id) == (
        "admin's newer notes",
        row()["CRM ID"].rsplit("-", 1)[0],
    ) or (ref.notes == "admin's newer notes" and ref.crm_id != "SELLER-CRM")
    failed = cosell(world, "import", str(stale), "--as", SELLER)
    assert failed.exit_code == 1
    assert "changed since you exported it" in failed.stderr and ADMIN in failed.stderr

    code, payload = import_file(world, stale, "--overwrite-newer", who=SELLER)
    assert (code, payload["updated"], payload["failed"]) == (0, 1, 0)
    [ref] = stored(world)
    assert ref.crm_id == "SELLER-CRM"


def test_allow_duplicates(world, tmp_path):
    assert import_file(world, write(tmp_path / "one.csv", csv_bytes([row()])))[0] == 0
    lookalike = write(tmp_path / "again.csv", csv_bytes([row(Notes="typed again")]))
    code, payload = import_file(world, lookalike)
    assert (code, payload["created"], payload["failed"]) == (1, 0, 1)
    plain = cosell(world, "import", str(lookalike), "--as", ADMIN)
    assert plain.exit_code == 1 and "looks like a duplicate of referral" in plain.stderr
    code, payload = import_file(world, lookalike, "--allow-duplicates")
    assert (code, payload["created"], payload["failed"]) == (0, 1, 0)
    assert len(stored(world)) == 2


def test_date_order(world, tmp_path):
    ambiguous = write(
        tmp_path / "eu.csv",
        csv_bytes(
            [row(Estimated_Close_Date="03/04/2027", Estimated_Deal_Value="100,50")], delimiter=";"
        ),
    )
    # No --date-order: the file decides; a `;` file without proof asks for the order.
    no_flag = cosell(world, "import", str(ambiguous), "--as", ADMIN)
    assert no_flag.exit_code == 1 and "--date-order" in no_flag.stderr
    assert stored(world) == []
    code, payload = import_file(world, ambiguous, "--date-order", "DMY")
    assert (code, payload["created"]) == (0, 1)
    [ref] = stored(world)
    assert ref.close_date == dt.date(2027, 4, 3)


def test_without_date_order_the_files_own_dates_decide(world, tmp_path):
    proven = write(
        tmp_path / "proven.csv",
        csv_bytes(
            [
                row(Estimated_Close_Date="30/01/2027", Deal_Name="Proof"),
                row(Estimated_Close_Date="03/04/2027", Deal_Name="Ambiguous"),
            ]
        ),
    )
    code, payload = import_file(world, proven)
    assert (code, payload["created"]) == (0, 2)
    dates = {r.deal_name: r.close_date for r in stored(world)}
    assert dates == {"Proof": dt.date(2027, 1, 30), "Ambiguous": dt.date(2027, 4, 3)}


def test_date_order_mdy_overrides_the_file(world, tmp_path):
    path = write(tmp_path / "d.csv", csv_bytes([row(Estimated_Close_Date="03/04/2027")]))
    code, payload = import_file(world, path, "--date-order", "MDY")
    assert (code, payload["created"]) == (0, 1)
    assert stored(world)[0].close_date == dt.date(2027, 3, 4)


def test_a_bad_date_order_is_a_usage_error(world, tmp_path):
    path = write(tmp_path / "d.csv", csv_bytes([row()]))
    result = cosell(world, "import", str(path), "--as", ADMIN, "--date-order", "DDMMYY")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert stored(world) == []
