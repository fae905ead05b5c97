"""The history of a referral as plain values: what a change records, and what a reader
of the history gets back. The store keeps them as rows; the services only see these.

One change is a `HistoryEntry`: who, when, from where, and each changed column's value
before and after (as the file shows them). A writer makes it with `history_entry`
(adding the version the change produced and the whole referral before it, for undo);
a reader of one referral's history gets the same type back, with `who` filled in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cosell.domain.actor import Actor
from cosell.domain.model import Referral

#: A column's value (as the file shows it) before and after a change; None: empty.
ValuePair = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    user_id: int | None
    #: import, api, page, undo, system or demo
    source: str
    job_id: str | None
    #: created, updated or expired
    action: str
    #: column → (before, after)
    changes: dict[str, ValuePair] = field(default_factory=dict)
    #: the display name of `user_id` (filled in by the reader), or "system"
    who: str = "system"
    #: the referral it changed (a writer's entry names it; a reader asked for it)
    referral_id: str = ""
    #: the referral's version right after the change (written; None before undo existed)
    version: int | None = None
    #: the whole referral before the change, for undo (written for updates)
    before: Referral | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as a reader sees it (without the version and the state before)."""
        return {
            "at": self.at.isoformat(),
            "user_id": self.user_id,
            "source": self.source,
            "job_id": self.job_id,
            "action": self.action,
            "changes": {name: list(pair) for name, pair in self.changes.items()},
            "who": self.who,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HistoryEntry:
        return cls(
            at=dt.datetime.fromisoformat(data["at"]),
            user_id=data.get("user_id"),
            source=str(data["source"]),
            job_id=data.get("job_id"),
            action=str(data["action"]),
            changes=changes_of(data.get("changes")),
            who=str(data.get("who") or "system"),
        )


def history_entry(
    referral_id: str,
    actor: Actor,
    source: str,
    action: str,
    changes: Mapping[str, ValuePair],
    now: dt.datetime,
    job_id: str | None = None,
    *,
    version: int | None = None,
    before: Referral | None = None,
) -> HistoryEntry:
    """The entry of a change `actor` made, to record (see `HistoryEntry`)."""
    return HistoryEntry(
        at=now,
        user_id=actor.user_id,
        source=source,
        job_id=job_id,
        action=action,
        changes=dict(changes),
        referral_id=referral_id,
        version=version,
        before=before,
    )


def changes_of(stored: Any) -> dict[str, ValuePair]:
    """The `changes` of a history row as stored (JSON text, or already parsed): every
    column with its (before, after). A value not stored as a pair (written by hand) is
    the value after."""
    data = json.loads(stored) if isinstance(stored, str | bytes) else stored
    if not isinstance(data, dict):
        return {}
    return {str(name): _pair(value) for name, value in data.items()}


def _pair(value: Any) -> ValuePair:
    if not isinstance(value, list | tuple):
        return None, _text(value)
    before, after = [*value, None, None][:2]
    return _text(before), _text(after)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


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
