"""One change of a referral as its history shows it: who, when, from where, and each
changed column's value before and after (as the file shows them)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

#: A column's value (as the file shows it) before and after a change; None: empty.
Change = tuple[str | None, str | None]


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
    changes: dict[str, Change] = field(default_factory=dict)
    #: the display name of `user_id` (filled in by the reader), or "system"
    who: str = "system"

    def to_json(self) -> dict[str, Any]:
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


def changes_of(stored: Any) -> dict[str, Change]:
    """The `changes` of a history row as stored (JSON text, or already parsed): every
    column with its (before, after). A value not stored as a pair (written by hand) is
    the value after."""
    data = json.loads(stored) if isinstance(stored, str | bytes) else stored
    if not isinstance(data, dict):
        return {}
    return {str(name): _pair(value) for name, value in data.items()}


def _pair(value: Any) -> Change:
    if not isinstance(value, list | tuple):
        return None, _text(value)
    before, after = [*value, None, None][:2]
    return _text(before), _text(after)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
