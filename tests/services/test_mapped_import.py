"""A mapped import (issue 10 §3) goes through the same pipeline as any other: dry run,
results file with the file's own headers, duplicates, undo, big files in chunks."""

from __future__ import annotations

import pytest

from cosell.domain.filters import ReferralFilters
from cosell.domain.mapping import ColumnMapping
from cosell.domain.model import Referral
from cosell.services import jobs, mapping_profiles, undo
from cosell.store.referrals import ReferralRepository
from tests.crm import ORG_VALUES, SAMPLES
from tests.support import World, read_csv, results_file, run_import


def stored(world: World) -> list[Referral]:
    with world.db.read() as conn:
        return ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=1000)


def profile_mapping(key: str) -> ColumnMapping:
    base = next(p for p in mapping_profiles.builtin_profiles() if p.key == key)
    return mapping_profiles.merged(base.mapping, ORG_VALUES)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_each_crm_sample_imports_with_its_profile(world, key):
    sample = SAMPLES[key]
    data = sample.path.read_bytes()
    result = run_import(world, world.admin, data, mapping=profile_mapping(key))
    assert result.status == "completed", result.summary
    assert (result.count("rows"), result.count("created"), result.count("failed")) == (
        sample.rows,
        sample.created,
        sample.failed,
    ), result.failures
    assert set(result.failures) == set(sample.failures)
    for number, reason in sample.failures.items():
        assert any(reason in e for e in result.failures[number]), result.failures[number]
    # The results file: Errors first, then the file's own columns and cells, then ours.
    rows = result.result_rows()
    original = read_csv(data)
    headers = list(rows[0])
    assert headers[0] == "Errors"
    assert headers[1 : len(original[0]) + 1] == list(original[0])
    assert headers[-4:] == ["Engagement ID", "Referral ID", "Row Version", "Import Result"]
    for got, had in zip(rows, original, strict=True):
        # (a cell such as -2500.00 comes back guarded against formulas: '-2500.00)
        assert {h: got[h].removeprefix("'") for h in had} == had
    assert sum(r["Import Result"] == "Created" for r in rows) == sample.created
    assert len(stored(world)) == sample.created


def test_dry_run_changes_nothing_and_reports_the_same(world):
    data = SAMPLES["salesforce"].path.read_bytes()
    mapping = profile_mapping("salesforce")
    dry = run_import(world, world.admin, data, mapping=mapping, dry_run=True)
    assert (dry.count("created"), dry.count("failed")) == (10, 5)
    assert stored(world) == []
    real = run_import(world, world.admin, data, mapping=mapping)
    assert real.failures == dry.failures


def test_the_same_mapped_file_again_creates_nothing_twice(world):
    data = SAMPLES["hubspot"].path.read_bytes()
    mapping = profile_mapping("hubspot")
    first = run_import(world, world.admin, data, mapping=mapping)
    again = run_import(world, world.admin, data, mapping=mapping)
    assert (again.count("created"), again.count("unchanged")) == (0, first.count("created"))
    assert len(stored(world)) == first.count("created")
    # Its results file, with our ids added, goes in again with the same mapping.
    back = run_import(world, world.admin, first.results or b"", mapping=mapping)
    assert back.count("created") == 0, back.failures
    assert back.count("unchanged") == first.count("created")


def test_a_mapped_import_can_be_undone(world):
    data = SAMPLES["dynamics365"].path.read_bytes()
    result = run_import(world, world.admin, data, mapping=profile_mapping("dynamics365"))
    assert len(stored(world)) == 10
    done = undo.undo_import(world.db, world.admin, result.job_id)
    assert done.removed == 10
    assert stored(world) == []


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_a_big_mapped_file_goes_a_chunk_at_a_time_with_the_same_outcome(
    world, monkeypatch, streamed
):
    if streamed:  # read from its stored parts as a stream, as a file over 2 MiB is
        monkeypatch.setattr(jobs, "WHOLE_FILE_BYTES", 100)
    data = SAMPLES["salesforce"].path.read_bytes()
    opts_mapping = profile_mapping("salesforce")
    settings = world.settings.model_copy(update={"import_chunk_rows": 4})
    from cosell.domain.job_types import ImportOptions

    job_id = jobs.submit_import(
        world.db, world.admin, "sf.csv", data, ImportOptions(mapping=opts_mapping), settings
    )
    job = jobs.run_job(world.db, job_id, settings)
    summary = job.import_summary
    assert summary is not None
    assert (summary.created, summary.failed) == (10, 5)
    rows = read_csv(results_file(world, job))
    assert list(rows[0])[1] == "Opportunity Owner"
    assert [r["Import Result"] for r in rows].count("Created") == 10
    assert "Billing City: Mandatory field Customer City missing" in rows[12]["Errors"]


def test_a_file_without_a_mapped_column_is_rejected_and_nothing_changes(world):
    mapping = ColumnMapping.from_json({"columns": {"Opportunity Name": "Deal Name", "X": "Notes"}})
    data = SAMPLES["salesforce"].path.read_bytes()
    result = run_import(world, world.admin, data, mapping=mapping)
    assert result.status == "rejected"
    assert 'the file does not have: "X"' in str(result.summary["errors"])
    assert stored(world) == []
