"""Undo an import (the round-trip issue, §6): remove the deals it created and restore
every field it changed, from the history it wrote, as one job in one transaction.

Partner Center calls an import "not reversible"; ours is, deal by deal:

- a deal still at the version the import left is undone — a created deal is deleted
  with its items, favorites and history; an updated deal gets back the whole state
  its history row kept (`before`), as a new version with a history row of its own
  (source "undo");
- a deal changed since (its version moved on) is skipped and reported as a conflict
  naming the fields changed later, and who changed them when; a deal the acting user
  can no longer see is skipped without those details.

The undo is itself a job (kind "undo") written in the same transaction as its
changes, so it is never seen half done, never queued and never re-run by a worker.
A dry run reports the same counts and changes nothing but its own job row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from cosell.domain.actor import Actor
from cosell.domain.decide import ATTR, SOLUTIONS, TEAM, show, show_pair
from cosell.domain.fields import Field
from cosell.domain.history import Change, JobChange, history_entry
from cosell.domain.job_summaries import JsonSummary
from cosell.domain.job_types import JobKind, JobRecord, JobStatus, UndoOptions
from cosell.domain.model import Referral
from cosell.errors import ConcurrentChange, Conflict, NotFound
from cosell.i18n import Msg
from cosell.services.actor import require_user
from cosell.services.clock import utcnow
from cosell.services.uow import Backend, UnitOfWork

UNDO = JobKind.UNDO
#: How often an undo that lost a race with another writer is tried again (PostgreSQL;
#: SQLite serializes writers, so there it always succeeds at once).
ATTEMPTS = 3
_ARTICLE = {"export": Msg("an export"), "undo": Msg("an undo"), "import": Msg("an import")}


@dataclass(frozen=True, slots=True)
class UndoConflict:
    """A deal the undo skipped: changed after the import (or no longer visible, when
    `fields` is empty and nobody is named)."""

    referral_id: str
    fields: list[str]
    changed_by: str | None
    changed_at: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        at = self.changed_at
        return {
            "referral_id": self.referral_id,
            "fields": list(self.fields),
            "changed_by": self.changed_by,
            "changed_at": None if at is None else at.replace(tzinfo=dt.UTC).isoformat(),
        }


@dataclass(slots=True)
class UndoResult:
    """What an undo did (or, in a dry run, would do); `job_id` is the undo job's."""

    job_id: str
    target_id: str
    file_name: str | None
    dry_run: bool
    removed: int = 0
    restored: int = 0
    conflicts: list[UndoConflict] = field(default_factory=list)
    status: Literal["completed"] = "completed"

    @property
    def skipped(self) -> int:
        return len(self.conflicts)

    def summary(self) -> dict[str, Any]:
        """The result as JSON: what the undo job keeps, the API answers and the CLI prints."""
        return {
            "job_id": self.job_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "removed": self.removed,
            "restored": self.restored,
            "skipped": self.skipped,
            "conflicts": [c.to_json() for c in self.conflicts],
        }


@dataclass(slots=True)
class _Plan:
    #: (Referral ID, current version) of created deals to delete
    remove: list[tuple[str, int]] = field(default_factory=list)
    #: (current state, state before the import) of updated deals to restore
    restore: list[tuple[Referral, Referral]] = field(default_factory=list)
    conflicts: list[UndoConflict] = field(default_factory=list)


def undo_import(db: Backend, actor: Actor, job_id: str, *, dry_run: bool = False) -> UndoResult:
    """Undo the import `job_id` as `actor`, or with `dry_run` only report what it would do.

    Raises `NotFound` when no job of that id is visible to the actor (the rule of
    `job_access.find_job`: its own user, or a Referrals admin of its organization);
    `Conflict` when the job is not a completed, real import made since imports can be
    undone, when it was already undone, or when other writers kept changing its deals
    for `ATTEMPTS` tries (then nothing was written); `PermissionDenied` for the
    integration token."""
    user_id = require_user(actor, Msg("undo imports"))
    for _ in range(ATTEMPTS):
        try:
            with db.writing() as uow:
                return _undo(uow, actor, user_id, job_id, dry_run)
        except ConcurrentChange:
            continue
    raise Conflict(
        Msg(
            "The deals of import %(job)s changed while it was being undone; nothing was "
            "changed. Try again",
            job=job_id,
        )
    )


def _undo(uow: UnitOfWork, actor: Actor, user_id: int, job_id: str, dry_run: bool) -> UndoResult:
    target = _target(uow, actor, job_id)
    plan = _plan(uow, actor, _changes_of(uow, actor, target))
    now = utcnow()
    undo_id = uow.jobs.add_job(
        org_id=actor.org_id,
        user_id=user_id,
        kind=UNDO,
        options=UndoOptions(target.id, dry_run),
        file_name=target.file_name,
        input_blob_id=None,
        now=now,
    )
    uow.jobs.claim(undo_id, now, max_attempts=1)
    if not dry_run:
        if not uow.jobs.mark_undone(actor.org_id, target.id, undo_id):
            raise _already_undone(target.id, uow.jobs.undone_by(actor.org_id, target.id))
        _apply(uow, actor, plan, undo_id, now)
    result = UndoResult(
        job_id=undo_id,
        target_id=target.id,
        file_name=target.file_name,
        dry_run=dry_run,
        removed=len(plan.remove),
        restored=len(plan.restore),
        conflicts=plan.conflicts,
    )
    summary = JsonSummary(result.summary())
    uow.jobs.finish(
        undo_id, status=JobStatus.COMPLETED, summary=summary, result_blob_id=None, now=now
    )
    return result


def _changes_of(uow: UnitOfWork, actor: Actor, target: JobRecord) -> list[JobChange]:
    """What the import wrote to the history; refused when that predates undo."""
    changes = uow.referrals(actor).job_changes(target.id)
    if any(c.version is None or (c.action == "updated" and not c.before) for c in changes):
        raise Conflict(
            Msg(
                "Import %(job)s was made before imports could be undone: its history does "
                "not keep the versions and earlier values needed to restore its deals",
                job=target.id,
            )
        )
    return changes


def _target(uow: UnitOfWork, actor: Actor, job_id: str) -> JobRecord:
    """The import to undo, if the actor may see it and it can be undone."""
    job = uow.jobs.get_job(job_id, actor.org_id)
    if job is None or not (actor.is_admin or job.user_id == actor.user_id):
        raise NotFound(Msg("Import job %(job)s was not found", job=job_id))
    if job.kind is not JobKind.IMPORT:
        kind = _ARTICLE.get(job.kind) or Msg('a job of kind "%(kind)s"', kind=job.kind)
        raise Conflict(
            Msg(
                "Job %(job)s is %(kind)s, not an import; only an import can be undone",
                job=job_id,
                kind=kind,
            )
        )
    if job.import_options is not None and job.import_options.dry_run:
        raise Conflict(
            Msg(
                "Import %(job)s was a dry run: it changed nothing, so there is nothing to undo",
                job=job_id,
            )
        )
    if job.status in (JobStatus.REJECTED, JobStatus.FAILED):
        raise Conflict(
            Msg(
                "Import %(job)s was %(status)s: it changed nothing, so there is nothing to undo",
                job=job_id,
                status=job.status,
            )
        )
    if job.status is not JobStatus.COMPLETED:
        raise Conflict(
            Msg(
                "Import %(job)s is still %(status)s; it can be undone once it has finished",
                job=job_id,
                status=job.status,
            )
        )
    done_by = uow.jobs.undone_by(actor.org_id, job_id)
    if done_by is not None:
        raise _already_undone(job_id, done_by)
    return job


def _already_undone(job_id: str, by: str | None) -> Conflict:
    return Conflict(
        Msg(
            "Import %(job)s was already undone (by undo job %(undo)s); it cannot be undone twice",
            job=job_id,
            undo=by,
        )
    )


def _plan(uow: UnitOfWork, actor: Actor, changes: list[JobChange]) -> _Plan:
    """Sort the import's deals into removals, restorations and conflicts (no writes)."""
    repo = uow.referrals(actor)
    current = repo.by_referral_ids(c.referral_id for c in changes)
    moved = {
        c.referral_id: c.version
        for c in changes
        if c.version is not None
        and c.referral_id in current
        and current[c.referral_id].version != c.version
    }
    later = repo.changes_since(moved)
    plan = _Plan()
    for change in changes:
        ref = current.get(change.referral_id)
        if ref is None:
            plan.conflicts.append(UndoConflict(change.referral_id, [], None, None))
        elif change.referral_id in moved:
            plan.conflicts.append(_conflict(change.referral_id, later.get(change.referral_id, [])))
        elif change.action == "created":
            plan.remove.append((change.referral_id, ref.version))
        elif change.before is not None:
            plan.restore.append((ref, change.before))
    return plan


def _conflict(referral_id: str, later: list[Change]) -> UndoConflict:
    """The fields changed after the import, in the order first changed, and the last
    change's author and time (none known when the version moved without a history row)."""
    names = list(dict.fromkeys(name for entry in later for name in entry.fields))
    if not later:
        return UndoConflict(referral_id, names, None, None)
    return UndoConflict(referral_id, names, later[-1].by, later[-1].at)


def _apply(uow: UnitOfWork, actor: Actor, plan: _Plan, undo_id: str, now: dt.datetime) -> None:
    """Write the plan; raises `ConcurrentChange` when a compare-and-set wrote less than asked."""
    repo = uow.referrals(actor)
    if repo.delete_many(plan.remove) != len(plan.remove):
        raise ConcurrentChange("a deal changed while the import was being undone")
    restored = [
        dataclasses.replace(old, version=cur.version + 1, updated_at=now)
        for cur, old in plan.restore
    ]
    if repo.update_many(restored) != len(restored):
        raise ConcurrentChange("a deal changed while the import was being undone")
    entries = [
        history_entry(
            new.id, actor, UNDO, "updated", restored_fields(cur, old), now, undo_id,
            version=new.version, before=cur,
        )
        for new, (cur, old) in zip(restored, plan.restore, strict=True)
    ]  # fmt: skip
    repo.add_history(entries)


def restored_fields(
    current: Referral, restored: Referral
) -> dict[str, tuple[str | None, str | None]]:
    """Column → (value now, value restored), as the file shows them, for every field that
    differs: the history of a restoration reads like the history of an import."""
    changes: dict[str, tuple[str | None, str | None]] = {}
    for f, attr in ATTR.items():
        if f in (Field.STATUS, Field.SUBSTATUS):
            continue
        now, then = getattr(current, attr), getattr(restored, attr)
        if now != then:
            changes[f.value] = (show(now), show(then))
    pair_now = (current.status, current.substatus)
    pair_then = (restored.status, restored.substatus)
    if pair_now != pair_then:
        changes[Field.STATUS.value] = (show_pair(pair_now), show_pair(pair_then))
    if current.ms_status != restored.ms_status:
        changes[Field.MS_STATUS.value] = (show(current.ms_status), show(restored.ms_status))
    if current.solutions != restored.solutions:
        changes[SOLUTIONS] = (show(current.solutions), show(restored.solutions))
    if current.team != restored.team:
        changes[TEAM] = (show(current.team), show(restored.team))
    return changes
