"""Imports that run at the same time on PostgreSQL behave as they do on SQLite (issue 8 §0).

SQLite's write lock runs one import after the other. PostgreSQL (read committed)
runs them side by side, so:
- the same create-only file imported twice at once must still create each deal
  once: the later import finds the earlier one's deals (equal rows are Unchanged,
  and with `match = crm-id` the CRM ID finds the deal);
- two update files over the same deals in opposite order must not deadlock, and
  neither update may be lost: with a Row Version the later file's rows fail as
  stale; without one both apply, one after the other.
Each race is run several times: one lucky interleaving proves nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from cosell.domain.job_types import ExportOptions, ImportOptions, JobRecord
from cosell.services import jobs
from cosell.services.exports import export_referrals
from cosell.store.models import ReferralRow, table_of
from cosell.store.referrals import ReferralRepository
from tests.support import World, csv_bytes, make_world, read_csv, results_file, row, run_import

R = table_of(ReferralRow)

#: Races run per test and backend, and deals per file.
TRIALS = 10
CREATE_ROWS = 40
UPDATE_TRIALS = 4
UPDATE_ROWS = 200


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(f"sqlite:///{tmp_path_factory.mktemp('scale') / 'cosell.db'}")
    yield world
    world.db.dispose()


@pytest.fixture(scope="module")
def postgresql_world(postgres_server: str) -> Iterator[World]:
    from tests import postgres

    world = make_world(postgres.new_database(postgres_server))
    yield world
    world.db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_world(request: pytest.FixtureRequest) -> World:
    """One world per backend for the whole module (building one hashes passwords):
    each test names its own deals."""
    return request.getfixturevalue(f"{request.param}_world")  # type: ignore[no-any-return]


def _import_at_once(world: World, files: list[bytes], options: ImportOptions) -> list[JobRecord]:
    """Submit every file, then run the jobs in as many threads, released together.
    Any job that fails (a deadlock, say) fails the test with its error."""
    job_ids = [
        jobs.submit_import(world.db, world.admin, f"file{n}.csv", data, options, world.settings)
        for n, data in enumerate(files)
    ]
    start = threading.Barrier(len(job_ids))
    done: dict[str, JobRecord] = {}
    errors: list[BaseException] = []

    def run(job_id: str) -> None:
        start.wait()
        try:
            done[job_id] = jobs.run_job(world.db, job_id, world.settings)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in job_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert all(done[j].status == "completed" for j in job_ids), [done[j] for j in job_ids]
    return [done[j] for j in job_ids]


def _results(world: World, job: JobRecord) -> list[dict[str, str]]:
    return read_csv(results_file(world, job))


@pytest.mark.parametrize("match", ["referral-id", "crm-id"])
def test_the_same_new_deals_imported_at_once_are_created_once(any_world: World, match: str) -> None:
    world = any_world
    options = ImportOptions(match=match)  # type: ignore[arg-type]
    for trial in range(TRIALS):
        copies = 2 + trial % 2
        names = [f"{match} trial {trial} deal {i}" for i in range(CREATE_ROWS)]
        data = csv_bytes([row(Deal_Name=name) for name in names])

        done = _import_at_once(world, [data] * copies, options)

        with world.db.read() as conn:
            stored = conn.execute(
                select(R.c.deal_name, func.count())
                .where(R.c.org_id == world.admin.org_id, R.c.deal_name.in_(names))
                .group_by(R.c.deal_name)
            ).all()
        assert sorted(stored) == sorted((name, 1) for name in names), f"trial {trial}"
        summaries = [job.import_summary for job in done]
        assert all(s is not None for s in summaries), summaries
        assert sum(s.created for s in summaries if s) == CREATE_ROWS, summaries
        assert sum(s.unchanged for s in summaries if s) == CREATE_ROWS * (copies - 1), summaries
        assert all(s.failed == 0 for s in summaries if s), summaries


def _seed(world: World, trial: str) -> list[dict[str, str]]:
    """UPDATE_ROWS new deals, as exported (with their Row Version)."""
    rows = [row(Deal_Name=f"{trial} deal {i}") for i in range(UPDATE_ROWS)]
    assert run_import(world, world.admin, csv_bytes(rows)).count("created") == UPDATE_ROWS
    with world.db.reading() as uow:
        exported = export_referrals(uow, world.admin, ExportOptions(), world.settings)
    return [line for line in read_csv(exported.data) if line["Deal Name"].startswith(f"{trial} ")]


def _notes_and_history(world: World, ids: list[str]) -> dict[str, tuple[str, int, list[str]]]:
    """Referral ID → (stored notes, version, notes written by each recorded update)."""
    with world.db.read() as conn:
        repo = ReferralRepository(conn, world.admin)
        deals = repo.by_referral_ids(ids)
        out = {}
        for rid, deal in deals.items():
            updates = [h for h in reversed(repo.history(rid)) if h.action == "updated"]
            written = [str(h.changes["Notes"][1]) for h in updates]
            out[rid] = (deal.notes or "", deal.version, written)
    return out


@pytest.mark.parametrize("row_version", [True, False], ids=["row-version", "no-row-version"])
def test_two_update_files_in_opposite_order_neither_deadlock_nor_lose_updates(
    any_world: World, row_version: bool
) -> None:
    world = any_world
    for trial in range(UPDATE_TRIALS):
        exported = _seed(world, f"Update {row_version} trial {trial}")
        ids = [line["Referral ID"] for line in exported]
        files = []
        for tag, lines in (("A", exported), ("B", exported[::-1])):
            edited = []
            for line in lines:
                line = dict(line, Notes=f"{tag} {line['Deal Name']}")
                if not row_version:
                    del line["Row Version"]
                edited.append(line)
            files.append(csv_bytes(edited))

        done = _import_at_once(world, files, ImportOptions())

        stored = _notes_and_history(world, ids)
        assert len(stored) == UPDATE_ROWS
        outcome = [
            {line["Referral ID"]: line["Import Result"] for line in _results(world, job)}
            for job in done
        ]
        for line in exported:
            rid, name = line["Referral ID"], line["Deal Name"]
            notes, version, written = stored[rid]
            results = [outcome[0][rid], outcome[1][rid]]
            if row_version:
                # One file updated the deal; the other's row failed as stale.
                assert sorted(results) == ["Failed", "Updated"], (trial, rid, results)
                winner = "AB"[results.index("Updated")]
                assert (notes, version, written) == (f"{winner} {name}", 2, [notes])
            else:
                # Both applied, one after the other: nothing silently lost.
                assert results == ["Updated", "Updated"], (trial, rid, results)
                assert version == 3
                assert sorted(written) == [f"A {name}", f"B {name}"]
                assert notes == written[-1]
