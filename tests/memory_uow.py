"""The services' unit of work made of plain dicts and lists, to run service tests without
a database (as httpx's MockTransport runs a client without a network).

`MemoryBackend` implements `services.uow.Backend`: a write works on a copy of the whole
state, which replaces the state when the block ends normally and is dropped when it
raises (so a rolled-back import leaves nothing); writers take turns, as on SQLite.

It covers what the single-deal changes, imports (matching, look-alikes, stale rows,
the version compare-and-set), undo, jobs and their files, accounts and sign-in need.
Searching and the list's queries (`search_page`, `count_upto`, `stage_totals`,
`raw_search`: the list, export, the chart) stay with the database and raise here.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import json
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from cosell.domain.actor import Actor
from cosell.domain.enums import Role
from cosell.domain.filters import ReferralFilters
from cosell.domain.history import Change, HistoryEntry, JobChange, changes_of
from cosell.domain.job_summaries import ImportSummary, JobSummary
from cosell.domain.job_types import (
    JobKind,
    JobRecord,
    JobStatus,
    StoredOptions,
    options_from_json,
    summary_from_json,
)
from cosell.domain.model import Referral
from cosell.errors import ConcurrentChange
from cosell.store.accounts import OrgRecord, TokenListing, TokenRecord, UserRecord
from cosell.store.jobs import BlobInfo, ChunkRecord, TooLarge
from cosell.store.mapping_profiles import ProfileRecord, name_key

QUEUED, RUNNING, FAILED = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED


def _stored(data: dict[str, Any]) -> Any:
    """`data` as the database gives it back: written as JSON text and read again."""
    return json.loads(json.dumps(data, default=str))


@dataclass
class _Deal:
    org_id: int
    referral: Referral
    created_by: int | None


@dataclass
class _Logged:
    org_id: int
    entry: HistoryEntry


@dataclass
class _State:
    """Everything stored; a write transaction works on a deep copy of it."""

    deals: dict[str, _Deal] = field(default_factory=dict)
    history: list[_Logged] = field(default_factory=list)
    favorites: set[tuple[int, str]] = field(default_factory=set)
    orgs: dict[int, OrgRecord] = field(default_factory=dict)
    users: dict[int, UserRecord] = field(default_factory=dict)
    catalog: dict[int, dict[str, str | None]] = field(default_factory=dict)
    tokens: dict[int, tuple[TokenRecord, str, str | None, dt.datetime]] = field(
        default_factory=dict
    )
    jobs: dict[str, JobRecord] = field(default_factory=dict)
    chunks: dict[tuple[str, int], tuple[ChunkRecord, bytes]] = field(default_factory=dict)
    blobs: dict[str, tuple[int, BlobInfo, bytes, dt.datetime]] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    attempts: list[tuple[str, str, dt.datetime]] = field(default_factory=list)
    profiles: dict[tuple[int, str], ProfileRecord] = field(default_factory=dict)
    last_id: int = 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id


def _copy(ref: Referral) -> Referral:
    return dataclasses.replace(ref, favorite=False)


class MemoryReferrals:
    """`ReferralStore` on the state: what one actor may see."""

    def __init__(self, state: _State, actor: Actor) -> None:
        self.state = state
        self.actor = actor

    def _visible(self, deal: _Deal) -> bool:
        if deal.org_id != self.actor.org_id:
            return False
        if self.actor.role is Role.USER and not self.actor.integration:
            return any(m.email.casefold() == self.actor.email_key for m in deal.referral.team)
        return True

    def _seen(self) -> Iterator[Referral]:
        return (d.referral for d in self.state.deals.values() if self._visible(d))

    def get(self, referral_id: str) -> Referral | None:
        return self.by_referral_ids([referral_id]).get(referral_id)

    def exists(self, referral_id: str) -> bool:
        deal = self.state.deals.get(referral_id)
        return deal is not None and self._visible(deal)

    def by_referral_ids(self, ids: Iterable[str]) -> dict[str, Referral]:
        found = {}
        for rid in ids:
            deal = self.state.deals.get(rid)
            if deal is not None and self._visible(deal):
                found[rid] = _copy(deal.referral)
        return found

    def _by(self, values: Iterable[str], key: Any) -> dict[str, list[Referral]]:
        wanted = set(values)
        found: dict[str, list[Referral]] = {}
        for ref in self._seen():
            value = key(ref)
            if value in wanted:
                found.setdefault(value, []).append(_copy(ref))
        return found

    def by_crm_ids(self, crm_ids: Iterable[str]) -> dict[str, list[Referral]]:
        return self._by(crm_ids, lambda ref: ref.crm_id)

    def by_engagement_ids(self, ids: Iterable[str]) -> dict[str, list[Referral]]:
        return self._by(ids, lambda ref: ref.engagement_id)

    def by_deal_names(self, names: Iterable[str]) -> dict[str, list[Referral]]:
        return self._by(names, lambda ref: ref.deal_name)

    def _entries(self, referral_id: str) -> Iterator[HistoryEntry]:
        org = self.actor.org_id
        return (
            e.entry
            for e in self.state.history
            if e.org_id == org and e.entry.referral_id == referral_id
        )

    def changes_since(self, versions: Mapping[str, int]) -> dict[str, list[Change]]:
        emails = {u.id: u.email for u in self.state.users.values()}
        found: dict[str, list[Change]] = {}
        for rid, since in versions.items():
            if not self.exists(rid):
                continue
            for e in self._entries(rid):
                if e.version is not None and e.version > since:
                    who = emails.get(e.user_id or 0) or (
                        "Microsoft" if e.source == "api" else "the system"
                    )
                    found.setdefault(rid, []).append(Change(e.at, who, tuple(e.changes)))
        return found

    def created_by_job(self, referral_ids: Iterable[str], job_id: str) -> set[str]:
        wanted = {rid for rid in referral_ids if self.exists(rid)}
        return {
            e.entry.referral_id
            for e in self.state.history
            if e.org_id == self.actor.org_id
            and e.entry.job_id == job_id
            and e.entry.action == "created"
            and e.entry.referral_id in wanted
        }

    def job_changes(self, job_id: str) -> list[JobChange]:
        return [
            JobChange(e.entry.referral_id, e.entry.action, e.entry.version, e.entry.before)
            for e in self.state.history
            if e.org_id == self.actor.org_id
            and e.entry.job_id == job_id
            and e.entry.action in ("created", "updated")
            and e.entry.referral_id in self.state.deals
        ]

    def history(self, referral_id: str) -> list[HistoryEntry]:
        if not self.exists(referral_id):
            return []
        return [
            dataclasses.replace(e, changes=changes_of(json.dumps(e.changes)), before=None)
            for e in reversed(list(self._entries(referral_id)))
        ]

    def is_favorite(self, referral_ids: Sequence[str]) -> set[str]:
        user = self.actor.user_id
        return {rid for rid in referral_ids if (user or -1, rid) in self.state.favorites}

    def set_favorite(self, referral_id: str, on: bool) -> bool:
        if not self.exists(referral_id) or self.actor.user_id is None:
            return False
        key = (self.actor.user_id, referral_id)
        if on:
            self.state.favorites.add(key)
        else:
            self.state.favorites.discard(key)
        return True

    def search_page(
        self, filters: ReferralFilters, *, limit: int, offset: int = 0, cursor: Any = None
    ) -> tuple[list[Referral], str | None]:
        raise NotImplementedError("the list's queries need the database")

    def count_upto(self, filters: ReferralFilters, bound: int) -> tuple[int, bool]:
        raise NotImplementedError("the list's queries need the database")

    def stage_totals(self, filters: ReferralFilters) -> list[tuple[int, str, int, int]]:
        raise NotImplementedError("the list's queries need the database")

    def raw_search(self, filters: ReferralFilters, *, limit: int) -> list[Any]:
        raise NotImplementedError("the list's queries need the database")

    def lock_creates(self) -> None:
        """Writers take turns on the whole state already."""

    def insert_many(self, referrals: Sequence[Referral], created_by: int | None) -> None:
        for ref in referrals:
            self.state.deals[ref.id] = _Deal(self.actor.org_id, _copy(ref), created_by)

    def update_many(self, referrals: Sequence[Referral], *, items: bool = True) -> int:
        written = 0
        for ref in referrals:
            deal = self.state.deals.get(ref.id)
            if deal is None or not self._visible(deal) or deal.referral.version != ref.version - 1:
                continue
            stored = _copy(ref)
            if not items:
                stored = dataclasses.replace(
                    stored, solutions=deal.referral.solutions, team=deal.referral.team
                )
            deal.referral = stored
            written += 1
        return written

    def delete_many(self, expected: Sequence[tuple[str, int]]) -> int:
        deleted = 0
        for rid, version in expected:
            deal = self.state.deals.get(rid)
            if deal is None or deal.org_id != self.actor.org_id:
                continue
            if deal.referral.version != version:
                continue
            del self.state.deals[rid]
            self.state.history = [e for e in self.state.history if e.entry.referral_id != rid]
            self.state.favorites = {f for f in self.state.favorites if f[1] != rid}
            deleted += 1
        return deleted

    def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        for e in entries:
            before = None if e.before is None else _copy(e.before)
            kept = dataclasses.replace(e, changes=copy.deepcopy(dict(e.changes)), before=before)
            self.state.history.append(_Logged(self.actor.org_id, kept))


class MemoryAccounts:
    """`AccountStore` on the state."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def org_by_name(self, name: str) -> OrgRecord | None:
        return next((o for o in self.state.orgs.values() if o.name == name), None)

    def add_org(self, name: str, partner_id: str | None, now: dt.datetime) -> OrgRecord:
        org = OrgRecord(self.state.new_id(), name, partner_id)
        self.state.orgs[org.id] = org
        return org

    def user_by_email(self, email: str) -> UserRecord | None:
        key = email.strip().casefold()
        return next((u for u in self.state.users.values() if u.email.casefold() == key), None)

    def user_by_id(self, user_id: int) -> UserRecord | None:
        return self.state.users.get(user_id)

    def users_of(self, org_id: int) -> list[UserRecord]:
        found = [u for u in self.state.users.values() if u.org_id == org_id]
        return sorted(found, key=lambda u: u.email.casefold())

    def add_user(
        self,
        *,
        org_id: int,
        email: str,
        name: str,
        role: Role,
        password_hash: str | None,
        now: dt.datetime,
    ) -> UserRecord:
        user = UserRecord(self.state.new_id(), org_id, email, name, role, password_hash, True)
        self.state.users[user.id] = user
        return user

    def _set(self, user_id: int, **values: object) -> None:
        if "role" in values:
            values["role"] = Role(str(values["role"]))
        user = self.state.users[user_id]
        self.state.users[user_id] = dataclasses.replace(user, **values)  # type: ignore[arg-type]

    def set_user(self, org_id: int, user_id: int, **values: object) -> bool:
        user = self.state.users.get(user_id)
        if user is None or user.org_id != org_id:
            return False
        self._set(user_id, **values)
        return True

    def end_sessions(self, user_id: int, **values: object) -> None:
        if user_id in self.state.users:
            version = self.state.users[user_id].session_version + 1
            self._set(user_id, session_version=version, **values)

    def active_admins(self, org_id: int) -> list[int]:
        return [
            u.id
            for u in self.state.users.values()
            if u.org_id == org_id and u.role is Role.ADMIN and u.is_active
        ]

    def known_solutions(self, org_id: int, ids: Iterable[str]) -> dict[str, str]:
        wanted = {i.upper() for i in ids}
        known = self.state.catalog.get(org_id, {})
        return {sid.upper(): sid for sid in known if sid.upper() in wanted}

    def catalog(self, org_id: int) -> list[tuple[str, str | None]]:
        return sorted(self.state.catalog.get(org_id, {}).items())

    def add_solution(
        self, org_id: int, solution_id: str, name: str | None, now: dt.datetime
    ) -> bool:
        known = self.state.catalog.setdefault(org_id, {})
        new = solution_id not in known
        known[solution_id] = name if new or name else known[solution_id]
        return new

    def add_token(
        self,
        *,
        org_id: int,
        user_id: int | None,
        kind: str,
        token_hash: str,
        name: str | None,
        now: dt.datetime,
    ) -> int:
        record = TokenRecord(self.state.new_id(), org_id, user_id, kind, None)
        self.state.tokens[record.id] = (record, token_hash, name, now)
        return record.id

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        return next((r for r, h, _, _ in self.state.tokens.values() if h == token_hash), None)

    def tokens(self, org_id: int | None = None) -> list[TokenListing]:
        out = []
        for record, _, name, created in self.state.tokens.values():
            if org_id is not None and record.org_id != org_id:
                continue
            user = self.state.users.get(record.user_id or 0)
            org = self.state.orgs[record.org_id].name
            email = user.email if user else None
            out.append(
                TokenListing(
                    record.id, record.kind, org, email, name, created, None, record.revoked_at
                )
            )
        return out

    def token_ids(self, ids: Iterable[int]) -> set[int]:
        return {i for i in ids if i in self.state.tokens}

    def revoke_tokens(
        self,
        now: dt.datetime,
        *,
        ids: Iterable[int] = (),
        user_id: int | None = None,
        token_hash: str | None = None,
    ) -> int:
        wanted = set(ids)
        revoked = 0
        for key, (record, digest, name, created) in list(self.state.tokens.items()):
            chosen = key in wanted or (user_id is not None and record.user_id == user_id)
            chosen = chosen or (token_hash is not None and digest == token_hash)
            if chosen and record.revoked_at is None:
                record = dataclasses.replace(record, revoked_at=now)
                self.state.tokens[key] = (record, digest, name, created)
                revoked += 1
        return revoked


class MemoryJobs:
    """`JobStore` on the state (upkeep's stale-job search is left out)."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def add_job(
        self,
        *,
        org_id: int,
        user_id: int,
        kind: JobKind,
        options: StoredOptions,
        file_name: str | None,
        input_blob_id: str | None,
        now: dt.datetime,
    ) -> str:
        kept = options_from_json(kind, _stored(options.to_json()))
        job = JobRecord(
            str(uuid.uuid4()), org_id, user_id, kind, QUEUED, kept,
            file_name, input_blob_id, None, 0, 0, None, None, 0, None, now, None, None,
        )  # fmt: skip
        self.state.jobs[job.id] = job
        return job.id

    def get_job(self, job_id: str, org_id: int | None = None) -> JobRecord | None:
        job = self.state.jobs.get(job_id)
        if job is None or (org_id is not None and job.org_id != org_id):
            return None
        return copy.deepcopy(job)

    def list_jobs(
        self, org_id: int, kind: JobKind, *, user_id: int | None = None, limit: int = 20
    ) -> list[JobRecord]:
        found = [
            copy.deepcopy(j)
            for j in reversed(self.state.jobs.values())
            if j.org_id == org_id and j.kind == kind and (user_id is None or j.user_id == user_id)
        ]
        return found[:limit]

    def _update(self, job_id: str, **values: Any) -> None:
        job = self.state.jobs[job_id]
        self.state.jobs[job_id] = dataclasses.replace(job, **values)

    def claim(self, job_id: str, now: dt.datetime, max_attempts: int) -> JobRecord | None:
        job = self.state.jobs.get(job_id)
        if job is None or job.status != QUEUED:
            return None
        if job.attempts >= max_attempts:
            self.mark_failed(job_id, "the job failed after several attempts", now)
            return None
        self._update(
            job_id,
            status=RUNNING,
            attempts=job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress=0,
        )
        return self.get_job(job_id)

    def owns(self, job_id: str, attempt: int) -> bool:
        job = self.state.jobs.get(job_id)
        return job is not None and job.status == RUNNING and job.attempts == attempt

    def release(self, job_id: str, attempt: int, now: dt.datetime, *, used: bool) -> bool:
        if not self.owns(job_id, attempt):
            return False
        attempts = attempt if used else attempt - 1
        self._update(job_id, status=QUEUED, attempts=attempts, heartbeat_at=now)
        return True

    def heartbeat(self, job_id: str, now: dt.datetime, progress: int, total: int) -> None:
        self._update(job_id, heartbeat_at=now, progress=progress, total=total)

    def finish(
        self,
        job_id: str,
        *,
        status: JobStatus,
        summary: JobSummary,
        result_blob_id: str | None,
        now: dt.datetime,
        error: str | None = None,
    ) -> None:
        rows = summary.rows
        kind = self.state.jobs[job_id].kind
        self._update(
            job_id,
            status=status,
            summary=summary_from_json(kind, _stored(summary.to_json())),
            result_blob_id=result_blob_id,
            finished_at=now,
            heartbeat_at=now,
            progress=rows,
            total=rows,
            error=error,
        )

    def mark_failed(self, job_id: str, error: str, now: dt.datetime) -> None:
        self._update(job_id, status=FAILED, error=error, finished_at=now)

    def requeue_stale(self, older_than: dt.datetime, now: dt.datetime) -> list[str]:
        raise NotImplementedError("upkeep is tested on the database")

    def queue_depth(self, org_id: int | None = None) -> tuple[int, int, dt.datetime | None]:
        jobs = [j for j in self.state.jobs.values() if org_id is None or j.org_id == org_id]
        queued = [j.created_at for j in jobs if j.status == QUEUED]
        running = sum(1 for j in jobs if j.status == RUNNING)
        return len(queued), running, min(queued, default=None)

    def oldest_queued(self, org_id: int) -> dt.datetime | None:
        return self.queue_depth(org_id)[2]

    def undone_by(self, org_id: int, job_id: str) -> str | None:
        job = self.state.jobs.get(job_id)
        return job.undone_by if job is not None and job.org_id == org_id else None

    def mark_undone(self, org_id: int, job_id: str, undo_job_id: str) -> bool:
        job = self.state.jobs.get(job_id)
        if job is None or job.org_id != org_id or job.undone_by is not None:
            return False
        self._update(job_id, undone_by=undo_job_id)
        return True

    def add_chunk(
        self,
        job_id: str,
        *,
        position: int,
        first_row: int,
        rows: int,
        summary: ImportSummary,
        results: bytes,
    ) -> None:
        if (job_id, position) in self.state.chunks:
            raise ConcurrentChange(f"chunk {position} of job {job_id} was recorded already")
        kept = ImportSummary.from_json(_stored(summary.to_json()))
        assert kept is not None
        record = ChunkRecord(position, first_row, rows, kept)
        self.state.chunks[(job_id, position)] = (record, results)

    def chunks_done(self, job_id: str) -> list[ChunkRecord]:
        found = [c for (j, _), (c, _) in self.state.chunks.items() if j == job_id]
        return sorted(found, key=lambda c: c.position)

    def chunk_results(self, job_id: str, position: int) -> bytes:
        return self.state.chunks[(job_id, position)][1]

    def delete_chunks(self, job_id: str) -> None:
        for key in [k for k in self.state.chunks if k[0] == job_id]:
            del self.state.chunks[key]

    def beat(self, worker: str, now: dt.datetime) -> None:
        self.state.settings[f"worker:{worker}"] = now.isoformat()

    def forget_worker(self, worker: str) -> None:
        self.state.settings.pop(f"worker:{worker}", None)

    def worker_beats(self) -> dict[str, dt.datetime]:
        return {
            key.removeprefix("worker:"): dt.datetime.fromisoformat(value)
            for key, value in self.state.settings.items()
            if key.startswith("worker:")
        }

    def forget_workers_before(self, cutoff: dt.datetime) -> None:
        for worker, at in self.worker_beats().items():
            if at < cutoff:
                self.forget_worker(worker)

    def take_upkeep_turn(self, now: dt.datetime, every: dt.timedelta) -> bool:
        last = self.state.settings.get("upkeep:last_run")
        if last is not None and abs(now - dt.datetime.fromisoformat(last)) < every:
            return False
        self.state.settings["upkeep:last_run"] = now.isoformat()
        return True


class MemoryBlobs:
    """`BlobStore` on the state: each file whole, as one part."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def put(
        self, *, org_id: int, name: str, content_type: str, data: bytes, now: dt.datetime
    ) -> str:
        return self.put_stream(
            org_id=org_id, name=name, content_type=content_type, source=[data], now=now
        )

    def put_stream(
        self,
        *,
        org_id: int,
        name: str,
        content_type: str,
        source: IO[bytes] | Iterable[bytes],
        now: dt.datetime,
        max_bytes: int | None = None,
    ) -> str:
        data = source.read() if hasattr(source, "read") else b"".join(source)
        if max_bytes is not None and len(data) > max_bytes:
            raise TooLarge(len(data))
        info = BlobInfo(str(uuid.uuid4()), name, content_type, len(data), 1)
        self.state.blobs[info.id] = (org_id, info, bytes(data), now)
        return info.id

    def info(self, org_id: int, blob_id: str) -> BlobInfo | None:
        found = self.state.blobs.get(blob_id)
        return found[1] if found is not None and found[0] == org_id else None

    def get(self, org_id: int, blob_id: str) -> tuple[str, str, bytes] | None:
        found = self.state.blobs.get(blob_id)
        if found is None or found[0] != org_id:
            return None
        return found[1].name, found[1].content_type, found[2]

    def delete_before(self, cutoff: dt.datetime, limit: int) -> int:
        raise NotImplementedError("upkeep is tested on the database")


class MemorySignIns:
    """`SignInStore` on the state."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def forget_attempts_before(self, cutoff: dt.datetime) -> None:
        self.state.attempts = [a for a in self.state.attempts if a[2] >= cutoff]

    def attempts(self, email_key: str, address: str) -> int:
        return sum(1 for e, a, _ in self.state.attempts if (e, a) == (email_key, address))

    def attempts_from(self, address: str) -> tuple[int, dt.datetime | None]:
        times = [at for _, a, at in self.state.attempts if a == address]
        return len(times), max(times, default=None)

    def add_attempt(self, email_key: str, address: str, at: dt.datetime) -> None:
        self.state.attempts.append((email_key, address, at))

    def clear_attempts(self, email_key: str, address: str) -> None:
        self.state.attempts = [a for a in self.state.attempts if a[:2] != (email_key, address)]

    def secret_key(self) -> str | None:
        return self.state.settings.get("secret_key")

    def keep_secret_key(self, value: str) -> None:
        if "secret_key" in self.state.settings:
            raise ConcurrentChange("another process stored its secret key first")
        self.state.settings["secret_key"] = value


class MemoryMappingProfiles:
    def __init__(self, state: _State) -> None:
        self.state = state

    def list_profiles(self, org_id: int) -> list[ProfileRecord]:
        found = [(k, p) for (o, k), p in self.state.profiles.items() if o == org_id]
        return [p for _, p in sorted(found, key=lambda kp: kp[0])]

    def get_profile(self, org_id: int, name: str) -> ProfileRecord | None:
        return self.state.profiles.get((org_id, name_key(name)))

    def put_profile(
        self, org_id: int, name: str, mapping: dict[str, Any], user_id: int | None, now: dt.datetime
    ) -> bool:
        key = (org_id, name_key(name))
        new = key not in self.state.profiles
        self.state.profiles[key] = ProfileRecord(name, copy.deepcopy(mapping), user_id, now)
        return new

    def delete_profile(self, org_id: int, name: str) -> bool:
        return self.state.profiles.pop((org_id, name_key(name)), None) is not None


class MemoryUnitOfWork:
    """`UnitOfWork` on one state (the backend's, or a write's copy of it)."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.jobs = MemoryJobs(state)
        self.blobs = MemoryBlobs(state)
        self.accounts = MemoryAccounts(state)
        self.sign_ins = MemorySignIns(state)
        self.mapping_profiles = MemoryMappingProfiles(state)
        self._referrals: dict[Actor, MemoryReferrals] = {}

    def referrals(self, actor: Actor) -> MemoryReferrals:
        if actor not in self._referrals:
            self._referrals[actor] = MemoryReferrals(self.state, actor)
        return self._referrals[actor]

    def any_unanswered(self, created_before: dt.datetime) -> bool:
        raise NotImplementedError("upkeep is tested on the database")

    def expire_unanswered(self, created_before: dt.datetime, now: dt.datetime) -> int:
        raise NotImplementedError("upkeep is tested on the database")


class MemoryBackend:
    """`Backend` of plain dicts and lists: reads see the last committed state, a write
    works on a copy that replaces it only when the block ends normally."""

    url = "memory://"

    def __init__(self) -> None:
        self.state = _State()
        self._writer = threading.RLock()
        #: committed writes, for tests that count transactions
        self.commits = 0

    @contextmanager
    def reading(self) -> Iterator[MemoryUnitOfWork]:
        with self._writer:  # a consistent snapshot: no write replaces the state meanwhile
            snapshot = copy.deepcopy(self.state)
        yield MemoryUnitOfWork(snapshot)

    @contextmanager
    def writing(
        self, *, lock_timeout: float | None = None, bulk: bool = False
    ) -> Iterator[MemoryUnitOfWork]:
        with self._writer:
            work = copy.deepcopy(self.state)
            yield MemoryUnitOfWork(work)
            self.state = work
            self.commits += 1

    def blob_reader(self, info: BlobInfo) -> io.RawIOBase:
        data = self.state.blobs[info.id][2]
        return io.BytesIO(data)  # type: ignore[return-value]

    def iter_blob(self, info: BlobInfo) -> Iterator[bytes]:
        yield self.state.blobs[info.id][2]

    def check_integrity(self, *args: Any) -> Any:
        raise NotImplementedError("integrity checks are the database's")

    def is_unavailable(self, error: BaseException) -> bool:
        return False

    def upgrade(self) -> None:
        """Nothing to create."""

    def dispose(self) -> None:
        """Nothing to close."""
