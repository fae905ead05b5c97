"""The history of a referral as plain values: what a change records, and what a reader
of the history gets back. The store keeps them as rows; the services only see these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cosell.domain.actor import Actor
from cosell.domain.model import Referral


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change to record: who, when, from where, the fields before/after, the
    version the change produced and the whole referral before it (for undo)."""

    referral_id: str
    at: dt.datetime
    user_id: int | None
    source: str
    action: str
    changes: Mapping[str, Any]
    job_id: str | None = None
    version: int | None = None
    before: Referral | None = None


def history_entry(
    referral_id: str,
    actor: Actor,
    source: str,
    action: str,
    changes: Mapping[str, Any],
    now: dt.datetime,
    job_id: str | None = None,
    *,
    version: int | None = None,
    before: Referral | None = None,
) -> HistoryEntry:
    """The entry of a change `actor` made (see `HistoryEntry`)."""
    return HistoryEntry(
        referral_id, now, actor.user_id, source, action, changes, job_id, version, before
    )


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change of a referral: when, by whom, which columns."""

    at: dt.datetime
    by: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JobChange:
    """One referral a job created or updated, as its history recorded it."""

    referral_id: str
    action: str
    #: the referral's version right after the change; None before undo existed
    version: int | None
    #: the whole referral before the change, for updates (None when not recorded)
    before: Referral | None
