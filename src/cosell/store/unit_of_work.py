"""The database's unit of work (`services.uow.UnitOfWork`): one transaction's connection
with a store for each kind of record, made as they are first used."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from sqlalchemy import Connection

from cosell.domain.actor import Actor
from cosell.store import expiry
from cosell.store.account_store import SqlAccounts
from cosell.store.job_store import SqlBlobs, SqlJobs
from cosell.store.mapping_profiles import SqlMappingProfiles
from cosell.store.referrals import ReferralRepository
from cosell.store.sign_ins import SqlSignIns


class SqlUnitOfWork:
    """The stores of one transaction (the `Database` opens it, commits or rolls back)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._referrals: dict[Actor, ReferralRepository] = {}

    @cached_property
    def jobs(self) -> SqlJobs:
        return SqlJobs(self.conn)

    @cached_property
    def blobs(self) -> SqlBlobs:
        return SqlBlobs(self.conn)

    @cached_property
    def accounts(self) -> SqlAccounts:
        return SqlAccounts(self.conn)

    @cached_property
    def sign_ins(self) -> SqlSignIns:
        return SqlSignIns(self.conn)

    @cached_property
    def mapping_profiles(self) -> SqlMappingProfiles:
        return SqlMappingProfiles(self.conn)

    def referrals(self, actor: Actor) -> ReferralRepository:
        """The actor's repository: one per transaction, so what it read it knows."""
        repo = self._referrals.get(actor)
        if repo is None:
            repo = self._referrals[actor] = ReferralRepository(self.conn, actor)
        return repo

    def any_unanswered(self, created_before: dt.datetime) -> bool:
        return expiry.any_unanswered(self.conn, created_before)

    def expire_unanswered(self, created_before: dt.datetime, now: dt.datetime) -> int:
        return expiry.expire_unanswered(self.conn, created_before, now)
