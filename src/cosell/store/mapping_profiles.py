"""Saved column mappings (`services.uow.MappingProfileStore`): an organization's named
mappings, their JSON kept as it was saved (the service checks it)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from cosell.store.models import mapping_profiles_t

t = mapping_profiles_t


def name_key(name: str) -> str:
    """How profile names are compared: casefolded, spaces collapsed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    name: str
    #: the mapping's JSON form (parsed); None when it is not JSON
    mapping: Any
    saved_by: int | None
    saved_at: dt.datetime


def _record(row: Any) -> ProfileRecord:
    try:
        mapping = json.loads(row.mapping)
    except ValueError:
        mapping = None
    return ProfileRecord(row.name, mapping, row.saved_by, row.saved_at)


class SqlMappingProfiles:
    """The mapping profiles of one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def list_profiles(self, org_id: int) -> list[ProfileRecord]:
        rows = self.conn.execute(select(t).where(t.c.org_id == org_id).order_by(t.c.name_key)).all()
        return [_record(r) for r in rows]

    def get_profile(self, org_id: int, name: str) -> ProfileRecord | None:
        row = self.conn.execute(
            select(t).where(t.c.org_id == org_id, t.c.name_key == name_key(name))
        ).first()
        return None if row is None else _record(row)

    def put_profile(
        self, org_id: int, name: str, mapping: dict[str, Any], user_id: int | None, now: dt.datetime
    ) -> bool:
        """Save the profile (replacing one of the same name); True when it is new."""
        values = {
            "name": name,
            "mapping": json.dumps(mapping, ensure_ascii=False, sort_keys=True),
            "saved_by": user_id,
            "saved_at": now,
        }
        changed = self.conn.execute(
            update(t).where(t.c.org_id == org_id, t.c.name_key == name_key(name)).values(values)
        ).rowcount
        if changed:
            return False
        self.conn.execute(insert(t).values(org_id=org_id, name_key=name_key(name), **values))
        return True

    def delete_profile(self, org_id: int, name: str) -> bool:
        gone = self.conn.execute(
            delete(t).where(t.c.org_id == org_id, t.c.name_key == name_key(name))
        ).rowcount
        return bool(gone)
