"""Column mapping profiles: the built-in ones (the standard opportunity exports of
Salesforce, HubSpot and Dynamics 365 Sales, shipped as JSON in `cosell/data`) and the
ones an organization saves under a name.

Every user of an organization may use its profiles and save new ones; replacing or
deleting a profile someone else saved takes a Referrals admin. Built-in profiles
cannot be replaced or deleted; saving one's own copy under another name can.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cosell.domain.actor import Actor
from cosell.domain.mapping import ColumnMapping, MappingError
from cosell.errors import NotFound, PermissionDenied, UsageError
from cosell.i18n import Msg
from cosell.services.actor import require_user
from cosell.services.clock import utcnow
from cosell.services.uow import Backend
from cosell.store.mapping_profiles import name_key

MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    mapping: ColumnMapping
    builtin: bool = False
    description: str = ""
    #: the user who saved it (None for a built-in profile)
    saved_by: int | None = None
    #: the built-in profile's short name (`salesforce`), usable instead of its name
    key: str | None = None


@functools.cache
def builtin_profiles() -> tuple[Profile, ...]:
    """The profiles every organization has, in name order."""
    folder = resources.files("cosell").joinpath("data", "mapping_profiles")
    found = []
    for item in folder.iterdir():
        if not item.name.endswith(".json"):
            continue
        data = json.loads(item.read_text(encoding="utf-8"))
        found.append(
            Profile(
                data["name"],
                ColumnMapping.from_json(data),
                builtin=True,
                description=data.get("description", ""),
                key=item.name.removesuffix(".json"),
            )
        )
    return tuple(sorted(found, key=lambda p: p.name.casefold()))


def _builtin(name: str) -> Profile | None:
    key = name_key(name)
    for p in builtin_profiles():
        if name_key(p.name) == key or p.key == key:
            return p
    return None


def list_profiles(db: Backend, actor: Actor) -> list[Profile]:
    """The built-in profiles, then the organization's (by name)."""
    with db.reading() as uow:
        saved = uow.mapping_profiles.list_profiles(actor.org_id)
    own = []
    for record in saved:
        try:
            mapping = ColumnMapping.from_json(record.mapping)
        except MappingError:
            continue  # stored by hand or an older version: not offered
        own.append(Profile(record.name, mapping, saved_by=record.saved_by))
    return [*builtin_profiles(), *own]


def get_profile(db: Backend, actor: Actor, name: str) -> Profile:
    """The profile `name` (built-in or the organization's); NotFound naming the ones
    there are."""
    found = _builtin(name)
    if found is not None:
        return found
    with db.reading() as uow:
        record = uow.mapping_profiles.get_profile(actor.org_id, name)
    if record is None:
        names = ", ".join(f'"{p.name}"' for p in list_profiles(db, actor))
        raise NotFound(
            Msg(
                'There is no mapping profile named "%(name)s"; the profiles are %(names)s',
                name=name[:MAX_NAME],
                names=names,
            )
        )
    try:
        mapping = ColumnMapping.from_json(record.mapping)
    except MappingError as exc:
        raise UsageError(
            Msg(
                'The mapping profile "%(name)s" cannot be used: %(why)s; save it again',
                name=record.name,
                why="; ".join(exc.problems),
            )
        ) from None
    return Profile(record.name, mapping, saved_by=record.saved_by)


def check_name(name: str) -> str:
    """A profile name as it is saved; UsageError saying what is expected."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME or any(ord(c) < 32 for c in cleaned):
        raise UsageError(Msg("A profile name must be 1 to %(n)s characters of text", n=MAX_NAME))
    if _builtin(cleaned) is not None:
        raise UsageError(
            Msg(
                '"%(name)s" is a built-in profile, which cannot be replaced; save yours '
                "under another name",
                name=cleaned,
            )
        )
    return cleaned


def save_profile(db: Backend, actor: Actor, name: str, data: Any) -> tuple[Profile, bool]:
    """Save the mapping `data` (its JSON form) as the organization's profile `name`;
    the profile and whether it is new. MappingError when the mapping cannot be used,
    PermissionDenied when it would replace another user's profile and the actor is no
    Referrals admin."""
    user_id = require_user(actor, "save mapping profiles")
    cleaned = check_name(name)
    mapping = ColumnMapping.from_json(data)
    with db.writing() as uow:
        store = uow.mapping_profiles
        old = store.get_profile(actor.org_id, cleaned)
        if old is not None and old.saved_by != user_id and not actor.is_admin:
            raise PermissionDenied(
                Msg(
                    'The profile "%(name)s" was saved by another user; only a Referrals '
                    "admin may replace it. Save yours under another name",
                    name=old.name,
                )
            )
        created = store.put_profile(actor.org_id, cleaned, mapping.to_json(), user_id, utcnow())
    return Profile(cleaned, mapping, saved_by=user_id), created


def delete_profile(db: Backend, actor: Actor, name: str) -> None:
    """Delete the organization's profile `name` (its saver or a Referrals admin)."""
    user_id = require_user(actor, "delete mapping profiles")
    if _builtin(name) is not None:
        raise UsageError(
            Msg('"%(name)s" is a built-in profile, which cannot be deleted', name=name)
        )
    with db.writing() as uow:
        store = uow.mapping_profiles
        old = store.get_profile(actor.org_id, name)
        if old is None:
            raise NotFound(
                Msg('There is no mapping profile named "%(name)s"', name=name[:MAX_NAME])
            )
        if old.saved_by != user_id and not actor.is_admin:
            raise PermissionDenied(
                Msg(
                    'The profile "%(name)s" was saved by another user; only a Referrals '
                    "admin may delete it",
                    name=old.name,
                )
            )
        store.delete_profile(actor.org_id, name)


def merged(base: ColumnMapping, extra: Any) -> ColumnMapping:
    """`base` with the entries of the mapping `extra` (its JSON form) added, each
    replacing the base's entry of the same name (a profile plus your own constants)."""
    if not isinstance(extra, dict):
        raise MappingError([Msg('expected a JSON object with "columns", "values" and "convert"')])
    data = base.to_json()
    for section in ("columns", "values", "convert"):
        part = extra.get(section)
        if part is None:
            continue
        if not isinstance(part, dict):
            raise MappingError([Msg('"%(name)s" must be a JSON object', name=section)])
        data[section].update(part)
    for name in extra:
        if name not in data and name not in ("name", "description"):
            data[name] = extra[name]  # from_json names it
    return ColumnMapping.from_json(data)


def mapping_json(text: str) -> Any:
    """The parsed JSON of a mapping given as text; MappingError saying where it is not
    JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(
            [Msg("it is not JSON (line %(line)s: %(why)s)", line=exc.lineno, why=exc.msg)]
        ) from None


def resolve_mapping(
    db: Backend, actor: Actor, *, data: Any = None, profile: str | None = None
) -> ColumnMapping | None:
    """The mapping of an import: a profile's, a given one's (`data`, its JSON form), or
    the profile's with the given one's entries added; None with neither."""
    if profile:
        base = get_profile(db, actor, profile).mapping
        return base if data is None else merged(base, data)
    if data is None:
        return None
    return ColumnMapping.from_json(data)
