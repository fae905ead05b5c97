"""The periodic upkeep: stale jobs back to the queue, unanswered incoming referrals
expired (rules §1.3, docs/architecture.md: a lost message is recovered by a periodic re-queue)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from sqlalchemy import select

from cosell.domain.actor import Actor
from cosell.domain.enums import Direction, Status, Substatus
from cosell.domain.job_summaries import ImportSummary
from cosell.domain.job_types import ImportOptions, JobKind, JobRecord
from cosell.domain.model import Referral, TeamMember
from cosell.services import demo, maintenance
from cosell.services import referrals as referral_service
from cosell.services.clock import utcnow
from cosell.store import jobs as job_store
from cosell.store.models import ReferralRow, table_of
from cosell.store.referrals import ReferralRepository
from tests.support import World

NOW = utcnow()


def ago(**delta: float) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


def add_job(world: World, *, created: dt.datetime) -> str:
    assert world.admin.user_id is not None
    with world.db.write() as conn:
        return job_store.add_job(
            conn,
            org_id=world.admin.org_id,
            user_id=world.admin.user_id,
            kind=JobKind.IMPORT,
            options=ImportOptions(),
            file_name="deals.csv",
            input_blob_id=None,
            now=created,
        )


def running(world: World, *, since: dt.datetime) -> str:
    job_id = add_job(world, created=since)
    with world.db.write() as conn:
        assert job_store.claim(conn, job_id, since, max_attempts=3) is not None
    return job_id


def status_of(world: World, job_id: str) -> JobRecord:
    with world.db.read() as conn:
        found = job_store.get_job(conn, job_id)
    assert found is not None
    return found


def test_requeue_picks_stale_running_and_long_queued_jobs_only(world: World) -> None:
    dead_worker = running(world, since=ago(minutes=2))
    busy_worker = running(world, since=ago(seconds=10))
    lost_message = add_job(world, created=ago(minutes=2))
    just_queued = add_job(world, created=ago(seconds=10))
    completed = running(world, since=ago(hours=1))
    failed = running(world, since=ago(hours=1))
    with world.db.write() as conn:
        summary = ImportSummary(rows=1)
        job_store.finish(
            conn,
            completed,
            status=job_store.COMPLETED,
            summary=summary,
            result_blob_id=None,
            now=ago(hours=1),
        )
        job_store.mark_failed(conn, failed, "broken", ago(hours=1))
    settings = world.settings.model_copy(update={"job_stale_seconds": 60})

    requeued = maintenance.requeue_stale_jobs(world.db, settings, NOW)

    assert sorted(requeued) == sorted([dead_worker, lost_message])
    again = status_of(world, dead_worker)
    assert (again.status, again.attempts, again.heartbeat_at) == (job_store.QUEUED, 1, NOW)
    assert status_of(world, lost_message).status == job_store.QUEUED
    assert status_of(world, busy_worker).status == job_store.RUNNING
    assert status_of(world, just_queued).status == job_store.QUEUED
    assert status_of(world, completed).status == job_store.COMPLETED
    assert status_of(world, failed).status == job_store.FAILED
    # Re-queueing restarts the clock: the next round leaves them alone.
    assert maintenance.requeue_stale_jobs(world.db, settings, NOW + dt.timedelta(seconds=30)) == []
    later = NOW + dt.timedelta(seconds=61)
    assert sorted(maintenance.requeue_stale_jobs(world.db, settings, later)) == sorted(
        [dead_worker, lost_message, busy_worker, just_queued]
    )


def make(
    actor: Actor,
    world: World,
    *cases: tuple[str, Direction, Status, Substatus, dt.datetime],
) -> dict[str, Referral]:
    team = [TeamMember("Ada", "Admin", None, actor.email)]
    refs = demo.make_referrals(random.Random(actor.org_id), len(cases), team=team, now=NOW)
    made = {}
    for ref, (name, direction, status, substatus, created) in zip(refs, cases, strict=True):
        made[name] = dataclasses.replace(
            ref,
            deal_name=name,
            direction=direction,
            status=status,
            substatus=substatus,
            reason=None,
            ms_status=None,
            created_at=created,
            updated_at=created,
        )
    with world.db.write() as conn:
        ReferralRepository(conn, actor).insert_many(list(made.values()), actor.user_id)
    return made


def stored(world: World) -> dict[str, tuple[str, str, int, dt.datetime]]:
    r = table_of(ReferralRow)
    with world.db.read() as conn:
        rows = conn.execute(
            select(r.c.deal_name, r.c.status, r.c.substatus, r.c.version, r.c.updated_at)
        )
        return {
            name: (status, sub, version, updated) for name, status, sub, version, updated in rows
        }


def test_expire_closes_only_incoming_new_referrals_older_than_14_days(world: World) -> None:
    incoming, outgoing = Direction.INCOMING, Direction.OUTGOING
    new, active, closed = Status.NEW, Status.ACTIVE, Status.CLOSED
    ours = make(
        world.admin,
        world,
        ("old pending", incoming, new, Substatus.PENDING, ago(days=20)),
        ("old received", incoming, new, Substatus.RECEIVED, ago(days=14, minutes=1)),
        ("young pending", incoming, new, Substatus.PENDING, ago(days=13, hours=23)),
        ("old outgoing", outgoing, new, Substatus.PENDING, ago(days=30)),
        ("old active", incoming, active, Substatus.ACCEPTED, ago(days=30)),
        ("old won", incoming, closed, Substatus.WON, ago(days=30)),
    )
    theirs = make(
        world.other_admin,
        world,
        ("their old pending", incoming, new, Substatus.PENDING, ago(days=20)),
    )
    before = stored(world)

    assert maintenance.expire_unanswered(world.db, world.settings, NOW) == 3

    after = stored(world)
    expired = {"old pending", "old received", "their old pending"}
    for name in expired:
        assert after[name] == ("Closed", "Expired", before[name][2] + 1, NOW), name
    for name in set(before) - expired:
        assert after[name] == before[name], name
    for actor, name, was in (
        (world.admin, "old pending", "New/Pending"),
        (world.admin, "old received", "New/Received"),
        (world.other_admin, "their old pending", "New/Pending"),
    ):
        referral_id = {**ours, **theirs}[name].id
        (entry,) = referral_service.history(world.db, actor, referral_id)
        assert (entry.source, entry.who, entry.action) == ("system", "system", "expired")
        assert (entry.user_id, entry.job_id, entry.at) == (None, None, NOW)
        assert entry.changes == {"Partner Referral Status": (was, "Closed/Expired")}
    assert referral_service.history(world.db, world.admin, ours["young pending"].id) == []
    # Nothing is left to expire the next time round.
    assert maintenance.expire_unanswered(world.db, world.settings, NOW) == 0
