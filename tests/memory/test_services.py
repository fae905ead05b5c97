"""Services on the in-memory unit of work and on SQLite: single-deal changes with the
version guard, imports (matching, look-alikes, stale rows), undo, favorites, accounts
and sign-in. Each test runs on both and must get the same answers."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from cosell.domain.job_types import ImportOptions
from cosell.errors import Conflict, NotFound, StaleVersion
from cosell.services import jobs, referral_changes, referrals, results_data, sign_in
from cosell.services.referral_input import MemberInput, ReferralInput, SolutionInput
from cosell.services.undo import undo_import
from cosell.services.uow import JobRecord
from tests.support import SELLER, VALID_BODY, World, csv_bytes, read_csv, row


def run_import(
    world: World, data: bytes, *, actor: Any = None, **options: Any
) -> tuple[JobRecord, list[dict[str, str]]]:
    """Submit and run an import as a worker would; the job and its results rows."""
    actor = actor or world.admin
    job_id = jobs.submit_import(
        world.db, actor, "deals.csv", data, ImportOptions(**options), world.settings
    )
    job = jobs.run_job(world.db, job_id, world.settings)
    if not job.finished:
        return job, []
    _, found, _ = results_data.open_results(world.db, actor.org_id, job)
    return job, read_csv(found if isinstance(found, bytes) else b"".join(found))


def outcomes(rows: list[dict[str, str]]) -> list[str]:
    return [r["Import Result"].split(":")[0] for r in rows]


#: The items of a create body, given to the service apart.
_GROUPS = ("solutions", "team_members")


def new_deal(world: World, **values: Any) -> str:
    given = ReferralInput(
        values={**{k: v for k, v in VALID_BODY.items() if k not in _GROUPS}, **values},
        solutions=[SolutionInput("SOL-1234-PQRS", "USD", "10", 100)],
        team=[MemberInput("Bob", "Partner", SELLER, "999999")],
    )
    made = referral_changes.create_referral(
        world.db, world.admin, given, source="api", settings=world.settings
    )
    return made.id


def update(world: World, rid: str, version: int | None, actor: Any = None, **values: Any) -> Any:
    return referral_changes.update_referral(
        world.db,
        actor or world.admin,
        rid,
        ReferralInput(values=values),
        expected_version=version,
        source="api",
        settings=world.settings,
    )


def test_a_change_moves_the_version_on_and_a_stale_one_is_refused(world: World) -> None:
    rid = new_deal(world)
    changed = update(world, rid, 1, notes="second thoughts")
    assert (changed.version, changed.notes) == (2, "second thoughts")
    assert update(world, rid, 2, notes="second thoughts").version == 2  # nothing differs
    with pytest.raises(StaleVersion) as stale:
        update(world, rid, 1, notes="a lost update")
    assert stale.value.current == 2
    assert referrals.get_referral(world.db, world.admin, rid).notes == "second thoughts"
    history = referrals.history(world.db, world.admin, rid)
    assert [e.action for e in history] == ["updated", "created"]
    assert history[0].changes["Notes"][1] == "second thoughts"


def test_who_may_see_a_deal(world: World) -> None:
    rid = new_deal(world)
    assert referrals.get_referral(world.db, world.seller, rid).id == rid  # on its team
    with pytest.raises(NotFound):
        referrals.get_referral(world.db, world.other_admin, rid)
    with pytest.raises(NotFound):
        update(world, rid, None, actor=world.other_admin, notes="not mine")
    referrals.set_favorite(world.db, world.seller, rid, True)
    assert referrals.get_referral(world.db, world.seller, rid).favorite
    assert not referrals.get_referral(world.db, world.admin, rid).favorite


def test_an_import_creates_updates_and_fails_stale_rows(world: World) -> None:
    job, created = run_import(world, csv_bytes([row(Deal_Name="A"), row(Deal_Name="B")]))
    assert job.status == "completed" and outcomes(created) == ["Created", "Created"]
    first = created[0]
    later = dict(first, Notes="changed by the file")
    job, updated = run_import(world, csv_bytes([later]))
    assert outcomes(updated) == ["Updated"] and updated[0]["Row Version"] == "2"
    again = dict(first, Notes="from an old copy")  # still Row Version 1
    job, stale = run_import(world, csv_bytes([again]))
    assert outcomes(stale) == ["Failed"]
    assert "changed since you exported it" in stale[0]["Errors"]
    assert "admin@org-a.example" in stale[0]["Errors"]
    deal = referrals.get_referral(world.db, world.admin, first["Referral ID"])
    assert (deal.notes, deal.version) == ("changed by the file", 2)


def test_rows_naming_one_deal_and_look_alikes_fail(world: World) -> None:
    _, made = run_import(world, csv_bytes([row(Deal_Name="Twin", CRM_ID="CRM-T")]))
    rid = made[0]["Referral ID"]
    same = [row(Referral_ID=rid, Notes="one"), row(Referral_ID=rid, Notes="two")]
    _, twice = run_import(world, csv_bytes(same))
    assert outcomes(twice) == ["Failed", "Failed"]
    assert "appears on several rows" in twice[0]["Errors"]
    lookalike = row(Deal_Name="Twin", CRM_ID="CRM-U")
    _, refused = run_import(world, csv_bytes([lookalike]))
    assert outcomes(refused) == ["Failed"] and "duplicate of referral" in refused[0]["Errors"]
    _, allowed = run_import(world, csv_bytes([lookalike]), allow_duplicates=True)
    assert outcomes(allowed) == ["Created"]


def test_matching_on_the_crm_id(world: World) -> None:
    _, made = run_import(world, csv_bytes([row(CRM_ID="CRM-77")]))
    _, matched = run_import(
        world, csv_bytes([row(CRM_ID="CRM-77", Notes="via CRM")]), match="crm-id"
    )
    assert outcomes(matched) == ["Updated"]
    assert matched[0]["Referral ID"] == made[0]["Referral ID"]


def test_undo_removes_created_deals_and_restores_changed_ones(world: World) -> None:
    rid = new_deal(world, notes="before the file")
    before = referrals.get_referral(world.db, world.admin, rid)
    rows = [row(Referral_ID=rid, Notes="the file's"), row(Deal_Name="New one")]
    job, done = run_import(world, csv_bytes(rows))
    assert outcomes(done) == ["Updated", "Created"], done[0]["Errors"]
    created = done[1]["Referral ID"]

    dry = undo_import(world.db, world.admin, job.id, dry_run=True)
    assert (dry.removed, dry.restored, dry.skipped) == (1, 1, 0)
    result = undo_import(world.db, world.admin, job.id)
    assert (result.removed, result.restored, result.skipped) == (1, 1, 0)
    with pytest.raises(NotFound):
        referrals.get_referral(world.db, world.admin, created)
    after = referrals.get_referral(world.db, world.admin, rid)
    assert after.version == before.version + 2
    volatile = ("version", "updated_at", "favorite")
    assert {k: v for k, v in dataclasses.asdict(after).items() if k not in volatile} == {
        k: v for k, v in dataclasses.asdict(before).items() if k not in volatile
    }
    with pytest.raises(Conflict, match="already undone"):
        undo_import(world.db, world.admin, job.id)


def test_undo_skips_a_deal_changed_since(world: World) -> None:
    job, done = run_import(world, csv_bytes([row(Deal_Name="Kept")]))
    rid = done[0]["Referral ID"]
    update(world, rid, 1, deal_value=Decimal("99"))
    result = undo_import(world.db, world.admin, job.id)
    assert (result.removed, result.skipped) == (0, 1)
    [conflict] = result.conflicts
    assert conflict.referral_id == rid and conflict.fields == ["Estimated Deal Value"]
    assert conflict.changed_by == "admin@org-a.example"
    assert referrals.get_referral(world.db, world.admin, rid).version == 2


def test_sign_in_counts_failures_and_the_secret_key_is_kept(world: World) -> None:
    assert sign_in.sign_in(world.db, SELLER, "password-123", "192.0.2.9") is not None
    for _ in range(sign_in.MAX_FAILURES):
        assert sign_in.sign_in(world.db, SELLER, "wrong-one", "192.0.2.9") is None
    throttled = sign_in.sign_in(world.db, SELLER, "password-123", "192.0.2.9")
    assert isinstance(throttled, sign_in.Throttled) and throttled.retry_after == 900
    key = sign_in.secret_key(world.db, None)
    assert sign_in.secret_key(world.db, None) == key
    assert sign_in.secret_key(world.db, "configured") == "configured"


def test_update_many_writes_only_deals_still_at_the_version_read(world: World) -> None:
    rid = new_deal(world)
    with world.db.writing() as uow:
        repo = uow.referrals(world.admin)
        read = repo.get(rid)
        assert read is not None
        newer = dataclasses.replace(read, notes="first writer", version=read.version + 1)
        assert repo.update_many([newer]) == 1
        late = dataclasses.replace(read, notes="second writer", version=read.version + 1)
        assert repo.update_many([late]) == 0  # the deal is at version 2 now, not 1
    assert referrals.get_referral(world.db, world.admin, rid).notes == "first writer"


def test_a_unit_of_work_that_raises_writes_nothing(world: World) -> None:
    rid = new_deal(world)
    with pytest.raises(RuntimeError), world.db.writing() as uow:
        repo = uow.referrals(world.admin)
        read = repo.get(rid)
        assert read is not None
        assert repo.update_many([dataclasses.replace(read, notes="gone", version=2)]) == 1
        raise RuntimeError("rolled back")
    assert referrals.get_referral(world.db, world.admin, rid).version == 1
