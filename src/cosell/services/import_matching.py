"""How each row of a file finds its deal, and what keeps a row from a wrong one.

- A row finds its deal by Referral ID, else by Engagement ID (the seed: "You can use
  the existing engagement ID if you are updating a record"), else by CRM ID when
  the import matches on it; otherwise it creates a deal.
- Rows of one file that name the same deal all fail.
- A creating row equal to an existing deal (in every column the file has) is that
  deal; one that only looks like one fails unless duplicates are allowed.
- A row whose deal changed since the file's Row Version fails, naming the change.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from cosell.domain.column_names import column_name
from cosell.domain.decide import Context, Decision, Outcome, decide_create, decide_update
from cosell.domain.fields import Field
from cosell.domain.headers import ROW_VERSION
from cosell.domain.history import Change
from cosell.domain.model import Referral
from cosell.domain.rows import RowError, RowRecord
from cosell.i18n import Msg, joined
from cosell.services.uow import ReferralStore

Match = Literal["referral-id", "crm-id"]


Key = tuple[str, str] | None


@dataclass(slots=True)
class Found:
    """The stored referrals the rows of a file refer to, loaded in bulk."""

    by_id: dict[str, Referral]
    by_crm: dict[str, list[Referral]]
    by_engagement: dict[str, list[Referral]]
    #: create rows: row number → existing deals that look the same
    lookalikes: dict[int, list[tuple[Referral, str]]] = field(default_factory=dict)


def row_key(record: RowRecord, match: Match) -> Key:
    """How a row finds its deal: Referral ID, else Engagement ID (rules §3: "use the
    existing engagement ID if you are updating a record"), else CRM ID when matching
    on it; None for a row that creates a deal."""
    values = record.values
    rid = values.get(Field.REFERRAL_ID)
    if rid:
        return ("id", rid)
    eid = values.get(Field.ENGAGEMENT_ID)
    if eid:
        return ("eng", eid)
    if match == "crm-id" and values.get(Field.CRM_ID):
        return ("crm", values[Field.CRM_ID])
    return None


def row_keys(records: list[RowRecord], match: Match) -> list[Key]:
    """`row_key` of each row."""
    return [row_key(r, match) for r in records]


#: The fields a row may find its deal by (the CRM ID only when matching on it).
KEY_FIELDS = (Field.REFERRAL_ID, Field.ENGAGEMENT_ID, Field.CRM_ID)
_KEY_FIELDS = {"id": Field.REFERRAL_ID, "eng": Field.ENGAGEMENT_ID, "crm": Field.CRM_ID}
#: Other rows a duplicate's message names before "and N more".
_NAMED_ROWS = 20
#: Why a new row looks like a stored deal.
_SAME_DEAL = Msg("the same deal name, customer and country")
_SAME_CRM_ID = Msg("the same CRM ID")


def same_deal(key: tuple[str, str]) -> tuple[str, str]:
    """What two rows' keys must share to name the same deal (IDs match in any case)."""
    return (key[0], key[1].casefold())


class Duplicates:
    """The rows of a file that name the same deal (share a Referral ID, an Engagement ID,
    or a CRM ID when matching on it): each such row's number → the numbers of its group."""

    def __init__(self, groups: dict[int, tuple[int, ...]] | None = None) -> None:
        self.groups = groups or {}

    def __len__(self) -> int:
        return len(self.groups)

    @classmethod
    def of(cls, numbered_keys: Iterable[tuple[int, tuple[str, str]]]) -> Duplicates:
        """From (row number, key) of the rows that have a key."""
        rows_by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for number, key in numbered_keys:
            rows_by_key[same_deal(key)].append(number)
        groups: dict[int, tuple[int, ...]] = {}
        for numbers in rows_by_key.values():
            if len(numbers) > 1:
                group = tuple(numbers)
                groups.update(dict.fromkeys(group, group))
        return cls(groups)

    def error(self, record: RowRecord, key: Key) -> RowError | None:
        """Why the row fails, if it shares its key with other rows of the file."""
        group = self.groups.get(record.number)
        if group is None or key is None:
            return None
        others = [str(n) for n in group if n != record.number]
        named: str = ", ".join(others[:_NAMED_ROWS])
        if len(others) > _NAMED_ROWS:
            named = Msg(
                "%(rows)s and %(count)s more",
                rows=named,
                count=f"{len(others) - _NAMED_ROWS:,}",
            )
        field_ = _KEY_FIELDS[key[0]]
        return RowError(
            record.column(field_),
            Msg(
                '"%(value)s" appears on several rows (also row %(rows)s), keep one row per deal',
                value=record.values[field_],
                rows=named,
            ),
        )


def duplicate_rows(records: list[RowRecord], keys: list[Key]) -> dict[int, RowError]:
    """Rows sharing a Referral ID (Engagement ID, CRM ID when matching on it) all fail."""
    found = Duplicates.of(
        (r.number, k) for r, k in zip(records, keys, strict=True) if k is not None
    )
    failed: dict[int, RowError] = {}
    for record, key in zip(records, keys, strict=True):
        error = found.error(record, key)
        if error is not None:
            failed[record.number] = error
    return failed


def load_lookalikes(
    repo: ReferralStore,
    records: list[RowRecord],
    keys: list[Key],
    found: Found,
    *,
    not_of_job: str | None = None,
) -> None:
    """For every row that would create a deal, the existing deals it looks like: the same
    deal name, customer name and country, or the same CRM ID. With `not_of_job`, deals
    that import job created are left out: a big file's later chunks see the deals its
    earlier chunks created, and must judge its rows as one transaction would (the rows
    of one file are never each other's look-alikes)."""
    creating = [r for r, k in zip(records, keys, strict=True) if k is None or k[0] == "crm"]
    names = {r.values[Field.DEAL_NAME] for r in creating if r.values.get(Field.DEAL_NAME)}
    crm_ids = {r.values[Field.CRM_ID] for r in creating if r.values.get(Field.CRM_ID)}
    if not names and not crm_ids:
        return
    by_name = repo.by_deal_names(names) if names else {}
    by_crm = repo.by_crm_ids(crm_ids - found.by_crm.keys()) if crm_ids else {}
    by_crm.update(found.by_crm)
    if not_of_job is not None:
        candidates = {ref.id for refs in by_name.values() for ref in refs}
        candidates |= {ref.id for refs in by_crm.values() for ref in refs}
        own = repo.created_by_job(candidates, not_of_job)
        if own:
            by_name = _without(by_name, own)
            by_crm = _without(by_crm, own)
    for r in creating:
        seen: dict[str, tuple[Referral, str]] = {}
        customer = (r.values.get(Field.CUSTOMER_NAME) or "").casefold()
        country = r.values.get(Field.COUNTRY)
        for ref in by_name.get(r.values.get(Field.DEAL_NAME) or "", ()):
            if ref.customer_name.casefold() == customer and ref.country == country:
                seen.setdefault(ref.id, (ref, _SAME_DEAL))
        for ref in by_crm.get(r.values.get(Field.CRM_ID) or "", ()):
            seen.setdefault(ref.id, (ref, _SAME_CRM_ID))
        if seen:
            found.lookalikes[r.number] = list(seen.values())


def _without(found: dict[str, list[Referral]], ids: set[str]) -> dict[str, list[Referral]]:
    kept = {k: [r for r in refs if r.id not in ids] for k, refs in found.items()}
    return {k: refs for k, refs in kept.items() if refs}


def decide_row(
    record: RowRecord, key: Key, found: Found, ctx: Context, *, allow_duplicates: bool
) -> Decision:
    """What a row does, given how it finds its deal (`key`, see `row_keys`)."""
    if key is None:
        return _decide_new(record, found, ctx, allow_duplicates)
    kind, value = key
    if kind == "id":
        referral = found.by_id.get(value)
        if referral is None:
            return _not_found(
                record,
                Field.REFERRAL_ID,
                Msg(
                    "%(column)s %(value)s was not found",
                    column=column_name(Field.REFERRAL_ID),
                    value=value,
                ),
            )
        return decide_update(record, referral, ctx)
    if kind == "eng":
        matches = found.by_engagement.get(value, [])
        if not matches:
            return _not_found(
                record,
                Field.ENGAGEMENT_ID,
                Msg(
                    'unknown %(column)s "%(value)s", leave it empty to create a deal',
                    column=column_name(Field.ENGAGEMENT_ID),
                    value=value,
                ),
            )
        if len(matches) > 1:
            return _not_found(
                record,
                Field.ENGAGEMENT_ID,
                Msg(
                    '%(column)s "%(value)s" is shared by %(count)s referrals, '
                    "give the %(id_column)s of the one to update",
                    column=column_name(Field.ENGAGEMENT_ID),
                    value=value,
                    count=len(matches),
                    id_column=column_name(Field.REFERRAL_ID),
                ),
            )
        return decide_update(record, matches[0], ctx)
    matches = found.by_crm.get(value, [])
    if not matches:
        return _decide_new(record, found, ctx, allow_duplicates)
    if len(matches) > 1:
        return _not_found(
            record,
            Field.CRM_ID,
            Msg(
                '%(column)s "%(value)s" matches %(count)s referrals, give the %(id_column)s '
                "instead",
                column=column_name(Field.CRM_ID),
                value=value,
                count=len(matches),
                id_column=column_name(Field.REFERRAL_ID),
            ),
        )
    return decide_update(record, matches[0], ctx)


def _decide_new(record: RowRecord, found: Found, ctx: Context, allow_duplicates: bool) -> Decision:
    """A row without a deal to update. If it equals an existing deal in every column
    it has, it is that deal (the same file uploaded twice): Unchanged. If it only
    looks like one, it fails unless duplicates are allowed."""
    lookalikes = found.lookalikes.get(record.number, [])
    for referral, _ in lookalikes:
        decision = decide_update(record, referral, ctx)
        if decision.outcome is Outcome.UNCHANGED:
            return decision
    decision = decide_create(record, ctx, str(uuid.uuid4()), str(uuid.uuid4()))
    if lookalikes and not allow_duplicates:
        referral, why = lookalikes[0]
        column = record.column(Field.CRM_ID if why == _SAME_CRM_ID else Field.DEAL_NAME)
        error = RowError(
            column,
            Msg(
                "looks like a duplicate of referral %(referral)s (%(why)s), add its "
                "%(id_column)s to update it, or import with --allow-duplicates",
                referral=referral.id,
                why=why,
                id_column=column_name(Field.REFERRAL_ID),
            ),
        )
        decision.outcome, decision.referral = Outcome.FAILED, None
        decision.errors = [*decision.errors, error]
    return decision


def fail_stale_rows(
    repo: ReferralStore, records: list[RowRecord], decisions: list[Decision]
) -> None:
    """A row that would change a deal which changed since the file's Row Version fails,
    naming who changed it, when, and which columns; the newer values stay."""
    stale: dict[str, tuple[int, Decision]] = {}
    for record, d in zip(records, decisions, strict=True):
        if d.outcome is not Outcome.UPDATED or record.row_version is None or d.before is None:
            continue
        if record.row_version != d.before.version:
            stale[d.before.id] = (record.row_version, d)
    if not stale:
        return
    changes = repo.changes_since({rid: version for rid, (version, _) in stale.items()})
    for rid, (version, d) in stale.items():
        assert d.before is not None
        if version > d.before.version:
            message = Msg(
                "%(column)s %(version)s is newer than the deal's version %(stored)s, "
                "export the deal again",
                column=ROW_VERSION,
                version=version,
                stored=d.before.version,
            )
        else:
            message = Msg(
                "changed since you exported it (%(changes)s), "
                "export again or use --overwrite-newer",
                changes=_describe_changes(changes.get(rid, [])),
            )
        d.outcome, d.referral, d.changes = Outcome.FAILED, None, {}
        d.errors = [RowError(ROW_VERSION, message)]


def _describe_changes(changes: list[Change]) -> str:
    if not changes:
        return Msg("by someone else")
    shown = [
        Msg(
            "by %(who)s at %(when)s UTC: %(columns)s",
            who=c.by,
            when=f"{c.at:%Y-%m-%d %H:%M}",
            columns=", ".join(c.fields) if c.fields else Msg("no fields"),
        )
        for c in changes[-3:]
    ]
    more = len(changes) - len(shown)
    text = joined(" and ", shown)
    if more:
        return Msg("%(changes)s and %(count)s earlier change(s)", changes=text, count=more)
    return text


def _not_found(record: RowRecord, field_: Field, message: str) -> Decision:
    errors = [*record.errors, RowError(record.column(field_), message)]
    return Decision(record.number, Outcome.FAILED, errors=errors)
