"""Stale copies imported at the same time lose no update (issue: Nothing lost, §1).

Four people export the same deals, each edits a different column of every deal,
and all four upload at once. The deals change under three of the imports: the
Row Version check fails their rows (naming who changed the deal), the first
import's values stay, and nothing is silently reverted. On SQLite the write
lock orders the imports; on PostgreSQL (read committed) the compare-and-set on
the version makes a late import decide again. The same holds between an import
and a PATCH of the API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cosell.domain.filters import ReferralFilters
from cosell.domain.job_types import ExportOptions, ImportOptions, JobRecord
from cosell.errors import StaleVersion
from cosell.services import jobs
from cosell.services.exports import export_referrals
from cosell.services.referral_changes import update_referral
from cosell.services.referral_input import ReferralInput
from cosell.store.referrals import ReferralRepository
from tests.support import ADMIN, World, csv_bytes, read_csv, results_file, row, run_import

DEALS = 30
#: The column each of the four people edits, and the new value of deal i.
EDITS: dict[str, Callable[[int], str]] = {
    "Notes": lambda i: f"note {i} by Ann",
    "Marketing Campaign ID": lambda i: f"CAMPAIGN-{i}-BEN",
    "Deal Name": lambda i: f"Deal {i} renamed by Cho",
    "Estimated Deal Value": lambda i: f"{1000 + i}.25",
}
ATTR = {
    "Notes": "notes",
    "Marketing Campaign ID": "campaign_id",
    "Deal Name": "deal_name",
    "Estimated Deal Value": "deal_value",
}


def _seed_and_export(world: World) -> list[dict[str, str]]:
    rows = [row(Deal_Name=f"Deal {i}") for i in range(DEALS)]
    assert run_import(world, world.admin, csv_bytes(rows)).count("created") == DEALS
    with world.db.reading() as uow:
        exported = export_referrals(uow, world.admin, ExportOptions(), world.settings)
    lines = read_csv(exported.data)
    assert all(line["Row Version"] == "1" for line in lines)
    return lines


def _import_at_once(world: World, files: list[bytes]) -> list[list[dict[str, str]]]:
    """Submit every file, then run the jobs in as many threads, released together."""
    job_ids = [
        jobs.submit_import(
            world.db, world.admin, f"copy{n}.csv", data, ImportOptions(), world.settings
        )
        for n, data in enumerate(files)
    ]
    start = threading.Barrier(len(job_ids))
    done: dict[str, JobRecord] = {}

    def run(job_id: str) -> None:
        start.wait()
        done[job_id] = jobs.run_job(world.db, job_id, world.settings)

    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in job_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    results = []
    for job_id in job_ids:
        job = done[job_id]
        assert job.status == "completed", job
        results.append(read_csv(results_file(world, job)))
    return results


def test_four_stale_copies_imported_at_once_lose_no_update(world: World) -> None:
    exported = _seed_and_export(world)
    copies = []
    for column, value in EDITS.items():
        edited = [dict(line) for line in exported]
        for line in edited:
            line[column] = value(int(line["Deal Name"].split()[1]))
        copies.append(csv_bytes(edited))

    results = _import_at_once(world, copies)

    outcomes = [{line["Import Result"] for line in lines} for lines in results]
    assert sorted(map(sorted, outcomes)) == [["Failed"]] * 3 + [["Updated"]]
    winner = next(n for n, seen in enumerate(outcomes) if seen == {"Updated"})
    with world.db.read() as conn:
        deals = ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=100)
    assert len(deals) == DEALS
    by_number: dict[int, object] = {}
    applied = 0
    for deal in deals:
        number = int(deal.deal_name.split()[1])
        by_number[number] = deal
        assert deal.version == 2
    for n, (column, value) in enumerate(EDITS.items()):
        for i, line in enumerate(results[n]):
            number = int(exported[i]["Deal Name"].split()[1])
            stored = str(getattr(by_number[number], ATTR[column]))
            if n == winner:
                assert line["Import Result"] == "Updated"
                assert stored == value(number), (column, stored)
                assert line["Row Version"] == "2"
                applied += 1
            else:
                # Not applied, and said so: who changed the deal and which column.
                assert line["Import Result"] == "Failed"
                assert line["Errors"].startswith("Row Version: changed since you exported it")
                assert f"by {ADMIN}" in line["Errors"]
                assert list(EDITS)[winner] in line["Errors"]
                assert stored != value(number)
    assert applied == DEALS  # every edit is either stored or reported as not applied


def test_an_import_and_a_patch_that_overlap_lose_no_update(world: World) -> None:
    exported = _seed_and_export(world)
    target = exported[0]["Referral ID"]
    edited = [dict(line, Notes="from the file") for line in exported]
    patched = threading.Event()

    def patch() -> None:
        try:
            update_referral(
                world.db,
                world.admin,
                target,
                ReferralInput(values={"notes": "from the API"}),
                expected_version=1,
                source="api",
                settings=world.settings,
            )
            patched.set()
        except StaleVersion:
            pass

    thread = threading.Thread(target=patch)
    thread.start()
    [lines] = _import_at_once(world, [csv_bytes(edited)])
    thread.join(timeout=60)
    with world.db.read() as conn:
        deal = ReferralRepository(conn, world.admin).get(target)
    assert deal is not None
    line = next(item for item in lines if item["Referral ID"] == target)
    if patched.is_set() and line["Import Result"] == "Failed":
        # The PATCH came first: the file's row is stale and says so.
        assert deal.notes == "from the API" and "changed since you exported it" in line["Errors"]
    else:
        # The import came first: the PATCH (based on version 1) was refused.
        assert line["Import Result"] == "Updated" and not patched.is_set()
        assert deal.notes == "from the file"
