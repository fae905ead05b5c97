"""Undoing an import (round-trip issue §6): created deals go, changed fields come back."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import text

from cosell.domain.filters import ReferralFilters
from cosell.domain.job_types import ExportOptions, JobKind, UndoOptions
from cosell.errors import Conflict, NotFound
from cosell.services import job_access, jobs, undo
from cosell.services.referral_changes import update_referral
from cosell.services.referral_input import MemberInput, ReferralInput
from cosell.store import jobs as job_store
from cosell.store.referral_rows import from_snapshot
from cosell.store.referrals import ReferralRepository
from tests.support import ADMIN, SELLER, World, csv_bytes, row, run_import

#: What may differ after an undo: the version moves on, and so does the update time.
_VOLATILE = ("version", "updated_at", "extra", "favorite")


def state(world: World) -> dict[str, dict[str, Any]]:
    """Every stored field and item of every deal of organization A, by Referral ID."""
    with world.db.read() as conn:
        found = ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=10_000)
    return {
        ref.id: {k: v for k, v in dataclasses.asdict(ref).items() if k not in _VOLATILE}
        for ref in found
    }


def create(world: World, count: int = 2, actor=None) -> list[str]:
    rows = [row(Deal_Name=f"Deal {i}", CRM_ID=f"CRM-{i}") for i in range(count)]
    result = run_import(world, actor or world.admin, csv_bytes(rows))
    assert result.count("created") == count, result.failures
    return [r["Referral ID"] for r in result.result_rows()]


def sql(world: World, query: str, **params: object) -> list[Any]:
    with world.db.write() as conn:
        result = conn.execute(text(query), params)
        return list(result) if result.returns_rows else []


def undone_by(world: World, job_id: str) -> str | None:
    [(value,)] = sql(world, "SELECT undone_by FROM jobs WHERE id = :id", id=job_id)
    return None if value is None else str(value)


def big_change(rid: str) -> dict[str, str]:
    """A row that changes nearly everything an import may change, items included."""
    return row(
        Referral_ID=rid,
        Deal_Name="Renamed",
        Partner_Referral_Status="Closed",
        Partner_Referral_Substatus="Won",
        Estimated_Deal_Value="99.99",
        Currency="EUR",
        Estimated_Close_Date="12/31/2028",
        CRM_ID="CRM-NEW",
        Marketing_Campaign_ID="",
        Notes="changed by the file",
        **{
            "Solution 1": "SOL-2001-AZML, EUR, 5, 2",
            "Solution 2": "SOL-3100-SECR",
            "Team member 1": f"Bob, Partner, 999999, {SELLER}",
            "Team member 2": "Ann, Other, , ann@org-a.example",
        },
    )


# ------------------------------------------------------------------ undo
def test_undo_removes_created_deals_and_restores_every_changed_field(world):
    first, _ = create(world)
    before = state(world)
    data = csv_bytes([big_change(first), row(Deal_Name="New one")], [*big_change(first)])
    imported = run_import(world, world.admin, data)
    assert (imported.count("created"), imported.count("updated")) == (1, 1)
    assert state(world)[first] != before[first]

    result = undo.undo_import(world.db, world.admin, imported.job_id)

    assert (result.removed, result.restored, result.skipped) == (1, 1, 0)
    assert result.conflicts == [] and not result.dry_run and result.status == "completed"
    assert state(world) == before
    assert undone_by(world, imported.job_id) == result.job_id


def test_a_removed_deal_leaves_no_items_favorites_or_history_behind(world):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    rid = imported.result_rows()[0]["Referral ID"]
    with world.db.write() as conn:
        assert ReferralRepository(conn, world.admin).set_favorite(rid, True)
        [pk] = [p for (p,) in conn.execute(text("SELECT pk FROM referrals"))]

    assert undo.undo_import(world.db, world.admin, imported.job_id).removed == 1

    for table in ("referrals", "referral_solutions", "referral_team_members", "favorites"):
        column = "pk" if table == "referrals" else "referral_pk"
        assert sql(world, f"SELECT count(*) FROM {table} WHERE {column} = :pk", pk=pk) == [(0,)]
    assert sql(world, "SELECT count(*) FROM referral_history WHERE referral_pk = :pk", pk=pk) == [
        (0,)
    ]


def test_the_history_shows_the_undo_with_the_fields_it_restored(world):
    [rid] = create(world, 1)
    imported = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "Notes": "later"}]))
    result = undo.undo_import(world.db, world.admin, imported.job_id)
    with world.db.read() as conn:
        latest, *_ = ReferralRepository(conn, world.admin).history(rid)
    assert (latest.source, latest.action, latest.job_id) == (
        "undo",
        "updated",
        result.job_id,
    )
    assert latest.changes == {"Notes": ("later", "This is a sample note")}
    [(version, before)] = sql(
        world, 'SELECT version, "before" FROM referral_history WHERE job_id = :id', id=result.job_id
    )
    assert version == 3 and from_snapshot(before).notes == "later"


def test_a_deal_changed_after_the_import_is_skipped_and_reported(world):
    first, second = create(world)
    imported = run_import(
        world,
        world.admin,
        csv_bytes([{"Referral ID": first, "Notes": "a"}, {"Referral ID": second, "Notes": "b"}]),
    )
    later = run_import(
        world,
        world.seller,
        csv_bytes([{"Referral ID": first, "Notes": "c", "Deal Name": "Mine"}]),
    )
    assert later.count("updated") == 1, later.failures
    changed = state(world)

    result = undo.undo_import(world.db, world.admin, imported.job_id)

    assert (result.removed, result.restored, result.skipped) == (0, 1, 1)
    [conflict] = result.conflicts
    assert conflict.referral_id == first
    assert set(conflict.fields) == {"Deal Name", "Notes"}
    assert conflict.changed_by == SELLER and conflict.changed_at is not None
    now = state(world)
    assert now[first] == changed[first]
    assert now[second]["notes"] == "This is a sample note"


def test_a_created_deal_edited_later_is_not_removed(world):
    imported = run_import(world, world.admin, csv_bytes([row(), row(Deal_Name="Other")]))
    kept, gone = (r["Referral ID"] for r in imported.result_rows())
    update_referral(
        world.db,
        world.admin,
        kept,
        ReferralInput(values={"notes": "edited on the page"}),
        expected_version=None,
        source="page",
        settings=world.settings,
    )
    result = undo.undo_import(world.db, world.admin, imported.job_id)
    assert (result.removed, result.skipped) == (1, 1)
    assert result.conflicts[0].referral_id == kept
    assert result.conflicts[0].fields == ["Notes"]
    assert set(state(world)) == {kept}
    assert gone not in state(world)


def test_a_dry_run_changes_nothing_and_reports_the_same_counts(world):
    first, second = create(world)
    imported = run_import(
        world,
        world.admin,
        csv_bytes([row(Referral_ID=first, Notes="x"), row(Referral_ID=second, Notes="y"), row()]),
    )
    run_import(world, world.admin, csv_bytes([row(Referral_ID=second, Notes="z")]))
    before = state(world)

    preview = undo.undo_import(world.db, world.admin, imported.job_id, dry_run=True)

    assert preview.dry_run and (preview.removed, preview.restored, preview.skipped) == (1, 1, 1)
    assert state(world) == before
    assert undone_by(world, imported.job_id) is None
    done = undo.undo_import(world.db, world.admin, imported.job_id)
    assert (done.removed, done.restored, done.skipped) == (1, 1, 1)
    assert [c.to_json() for c in done.conflicts] == [c.to_json() for c in preview.conflicts]
    assert done.job_id != preview.job_id


def test_the_undo_is_a_job_of_its_own_that_listings_leave_out(world):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    result = undo.undo_import(world.db, world.admin, imported.job_id)
    with world.db.read() as conn:
        job = job_store.get_job(conn, result.job_id, world.admin.org_id)
    assert job is not None
    assert (job.kind, job.status, job.user_id) == ("undo", "completed", world.admin.user_id)
    assert job.options == UndoOptions(imported.job_id, dry_run=False)
    assert job.summary is not None and job.summary.to_json() == result.summary()
    assert set(result.summary()) == {
        "job_id", "status", "dry_run", "removed", "restored", "skipped", "conflicts"
    }  # fmt: skip
    listed = job_access.list_jobs(world.db, world.admin, JobKind.IMPORT)
    assert [j.id for j in listed] == [imported.job_id]
    assert job_access.list_jobs(world.db, world.admin, JobKind.EXPORT) == []
    with pytest.raises(NotFound):
        job_access.find_job(world.db, world.admin, result.job_id, JobKind.IMPORT)
    # A worker handed the undo's id by mistake finds it finished and leaves it alone.
    assert jobs.run_job(world.db, result.job_id, world.settings).kind == "undo"


# ------------------------------------------------------------------ refusals
def test_undoing_twice_is_refused(world):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    first = undo.undo_import(world.db, world.admin, imported.job_id)
    for dry_run in (False, True):
        with pytest.raises(Conflict, match="already undone") as caught:
            undo.undo_import(world.db, world.admin, imported.job_id, dry_run=dry_run)
        assert first.job_id in caught.value.message


def test_only_a_completed_real_import_can_be_undone(world):
    export_id = jobs.submit_export(world.db, world.admin, ExportOptions(ReferralFilters()))
    jobs.run_job(world.db, export_id, world.settings)
    dry = run_import(world, world.admin, csv_bytes([row()]), dry_run=True)
    rejected = run_import(world, world.admin, b"not,a,file\r\n")
    assert rejected.status == "rejected"
    undo_id = undo.undo_import(
        world.db, world.admin, run_import(world, world.admin, csv_bytes([row()])).job_id
    ).job_id
    for job_id, message in (
        (export_id, "is an export, not an import"),
        (dry.job_id, "was a dry run"),
        (rejected.job_id, "was rejected"),
        (undo_id, "is an undo, not an import"),
    ):
        with pytest.raises(Conflict, match=message):
            undo.undo_import(world.db, world.admin, job_id)


def test_an_import_made_before_undo_existed_is_refused(world):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    sql(world, "UPDATE referral_history SET version = NULL WHERE job_id = :id", id=imported.job_id)
    with pytest.raises(Conflict, match="before imports could be undone"):
        undo.undo_import(world.db, world.admin, imported.job_id)
    assert len(state(world)) == 1


@pytest.mark.parametrize("who", ["other_admin", "seller"])
def test_jobs_the_user_may_not_see_are_not_found(world, who):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    with pytest.raises(NotFound, match="was not found"):
        undo.undo_import(world.db, getattr(world, who), imported.job_id)
    with pytest.raises(NotFound, match="was not found"):
        undo.undo_import(world.db, world.admin, "no-such-job")
    assert len(state(world)) == 1 and undone_by(world, imported.job_id) is None


def test_a_referrals_user_undoes_their_own_import_and_an_admin_anyones(world):
    mine = run_import(world, world.seller, csv_bytes([row()]))
    assert undo.undo_import(world.db, world.seller, mine.job_id).removed == 1
    theirs = run_import(world, world.seller, csv_bytes([row()]))
    assert undo.undo_import(world.db, world.admin, theirs.job_id).removed == 1
    assert state(world) == {}


def test_a_deal_the_user_no_longer_sees_is_skipped_without_its_details(world):
    imported = run_import(world, world.seller, csv_bytes([row()]))
    rid = imported.result_rows()[0]["Referral ID"]
    update_referral(
        world.db,
        world.admin,
        rid,
        ReferralInput(team=[MemberInput("Ann", "Other", "ann@org-a.example")]),
        expected_version=None,
        source="api",
        settings=world.settings,
    )
    result = undo.undo_import(world.db, world.seller, imported.job_id)
    assert (result.removed, result.skipped) == (0, 1)
    assert result.conflicts[0].to_json() == {
        "referral_id": rid,
        "fields": [],
        "changed_by": None,
        "changed_at": None,
    }
    assert rid in state(world)


def test_a_concurrent_change_commits_nothing(world, monkeypatch):
    [rid] = create(world, 1)
    imported = run_import(world, world.admin, csv_bytes([row(Referral_ID=rid, Notes="x"), row()]))
    after = state(world)
    monkeypatch.setattr(ReferralRepository, "update_many", lambda self, pairs, **kw: 0)
    with pytest.raises(Conflict, match="changed while"):
        undo.undo_import(world.db, world.admin, imported.job_id)
    assert state(world) == after
    assert undone_by(world, imported.job_id) is None
    assert sql(world, "SELECT count(*) FROM jobs WHERE kind = 'undo'") == [(0,)]


def test_the_integration_token_cannot_undo(world):
    from dataclasses import replace

    from cosell.errors import PermissionDenied

    imported = run_import(world, world.admin, csv_bytes([row()]))
    robot = replace(world.admin, user_id=None, integration=True)
    with pytest.raises(PermissionDenied):
        undo.undo_import(world.db, robot, imported.job_id)


def test_admin_email_is_reported_for_own_later_changes(world):
    [rid] = create(world, 1)
    imported = run_import(world, world.admin, csv_bytes([row(Referral_ID=rid, Notes="x")]))
    run_import(world, world.admin, csv_bytes([row(Referral_ID=rid, Notes="y")]))
    [conflict] = undo.undo_import(world.db, world.admin, imported.job_id).conflicts
    assert conflict.changed_by == ADMIN
