"""Creating and changing one referral from the API or a page (rules §1.3–1.5, §5.2).

The rules and messages are the file's: each JSON value becomes the cell a file
would hold and is parsed by the file's own `RowParser`; `decide_create` and
`decide_update` then judge the record exactly as they judge a row. An absent
key leaves a field alone (PATCH); `None` or `""` is an empty cell (clears an
optional field, fails a required one).

Who may do what:

* **Partner users** (Referrals admins and users) create **Outgoing** referrals and
  change them under the rules of rules §1.3–1.5. They can never create an
  Incoming referral (`PermissionDenied`). Microsoft Referral Status is read-only
  for them: on create it must be empty; on update a value equal to the stored
  one is accepted (so a GET → change → PATCH round trip works) and any other
  value is **refused** with a row error on that column — never silently ignored,
  since an API client that sends it believes it changes something.
* **The integration token** (the Microsoft side, `actor.integration`) creates
  **Incoming** referrals: status New with substatus Pending (the default) or
  Received, Microsoft status Pending unless given, no Declined/Lost/Error
  reason. Team members are optional (0–50): Microsoft does not know the
  partner's team, a Referrals admin adds it when accepting the deal, and until
  then only admins see it. Every other create rule applies (solutions from the
  catalog, consent, help fields …). On an existing referral it may set **only**
  Microsoft Referral Status, also on a closed deal: that status is Microsoft's
  own record, not a change of the partner's deal.

Concurrency: an update names the version it was based on (HTTP `If-Match`). A
different stored version raises `StaleVersion`; the write itself is a compare-and-set
on the version (`ReferralStore.update_many`) inside the same unit of work, so two
writers racing on PostgreSQL cannot both win either.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Literal

from cosell.domain.actor import Actor
from cosell.domain.column_names import column_name
from cosell.domain.decide import (
    SOLUTIONS,
    TEAM,
    Context,
    Decision,
    Outcome,
    decide_create,
    decide_update,
    show,
)
from cosell.domain.enums import Direction, MicrosoftStatus
from cosell.domain.fields import Field
from cosell.domain.history import history_entry
from cosell.domain.model import Referral
from cosell.domain.rows import RowError, RowRecord
from cosell.errors import NotFound, PermissionDenied, RowErrors, StaleVersion
from cosell.i18n import Msg
from cosell.services.clock import utcnow
from cosell.services.referral_input import (
    FIELDS,
    ReferralInput,
    parse_input,
    parse_ms_status,
)
from cosell.services.referrals import not_found
from cosell.services.uow import Backend, UnitOfWork
from cosell.settings import Settings

Source = Literal["api", "page"]

_MS = Field.MS_STATUS


# ------------------------------------------------------------------ create
def create_referral(
    db: Backend, actor: Actor, given: ReferralInput, *, source: Source, settings: Settings
) -> Referral:
    """Create one referral; raises `RowErrors` (nothing saved) or `PermissionDenied`."""
    wanted = Direction.INCOMING if actor.integration else Direction.OUTGOING
    if given.direction is not None and given.direction is not wanted:
        raise PermissionDenied(
            Msg("the integration token creates Incoming referrals only")
            if actor.integration
            else Msg(
                "only Microsoft (the integration token) creates Incoming referrals; "
                "partners create Outgoing referrals"
            )
        )
    record = parse_input(given, settings.max_group_items)
    ms_status, errors = parse_ms_status(record, given)
    now = utcnow()
    with db.writing() as uow:
        ctx = _context(uow, actor, record, now)
        decision = decide_create(
            record, ctx, _uuid(), _uuid(), direction=wanted, ms_status=ms_status
        )
        errors.extend(decision.errors)
        if errors or decision.referral is None:
            raise RowErrors(errors)
        referral = decision.referral
        repo = uow.referrals(actor)
        repo.insert_many([referral], actor.user_id)
        repo.add_history([history_entry(referral.id, actor, source, "created", {}, now, version=1)])
    return referral


# ------------------------------------------------------------------ update
def update_referral(
    db: Backend,
    actor: Actor,
    referral_id: str,
    given: ReferralInput,
    *,
    expected_version: int | None,
    source: Source,
    settings: Settings,
) -> Referral:
    """Apply the given fields to a visible referral based on `expected_version` (None: any).

    Returns the referral as stored afterwards (unchanged, with the same version, when
    nothing differs). Raises `NotFound`, `StaleVersion` or `RowErrors`."""
    record = parse_input(given, settings.max_group_items)
    ms_status, errors = parse_ms_status(record, given)
    now = utcnow()
    with db.writing() as uow:
        repo = uow.referrals(actor)
        stored = repo.get(referral_id)
        if stored is None:
            raise NotFound(not_found(referral_id))
        if expected_version is not None and stored.version != expected_version:
            raise StaleVersion(referral_id, stored.version, expected_version)
        if actor.integration:
            decision = _microsoft_update(record, given, stored, ms_status, errors, now)
        else:
            if "ms_status" in given.values and ms_status != stored.ms_status:
                errors.append(
                    RowError(
                        _MS.value,
                        Msg(
                            "is set by Microsoft only, partners cannot change it "
                            '(stored "%(stored)s", given "%(given)s")',
                            stored=show(stored.ms_status) or "",
                            given=show(ms_status) or "",
                        ),
                    )
                )
            decision = decide_update(record, stored, _context(uow, actor, record, now))
        errors.extend(decision.errors)
        if errors:
            raise RowErrors(errors)
        referral = decision.referral or stored
        if decision.outcome is Outcome.UPDATED:
            items = {SOLUTIONS, TEAM} & decision.changes.keys()
            if repo.update_many([referral], items=bool(items)) != 1:
                raise StaleVersion(referral_id, stored.version + 1, stored.version)
            entry = history_entry(
                referral.id, actor, source, "updated", decision.changes, now,
                version=referral.version, before=stored,
            )  # fmt: skip
            repo.add_history([entry])
        referral.favorite = bool(repo.is_favorite([referral_id]))
    return referral


def _microsoft_update(
    record: RowRecord,
    given: ReferralInput,
    stored: Referral,
    ms_status: MicrosoftStatus | None,
    errors: list[RowError],
    now: dt.datetime,
) -> Decision:
    others = [FIELDS[name].value for name in given.values if name != "ms_status"]
    if given.solutions is not None:
        others.append(SOLUTIONS)
    if given.team is not None:
        others.append(TEAM)
    for column in others:
        errors.append(
            RowError(
                column,
                Msg(
                    "the Microsoft integration can set only %(column)s on an existing referral",
                    column=column_name(_MS),
                ),
            )
        )
    if "ms_status" not in given.values or ms_status == stored.ms_status or errors:
        return Decision(record.number, Outcome.UNCHANGED, referral=stored)
    merged = dataclasses.replace(
        stored, ms_status=ms_status, version=stored.version + 1, updated_at=now
    )
    changes = {_MS.value: (show(stored.ms_status), show(ms_status))}
    return Decision(record.number, Outcome.UPDATED, referral=merged, changes=changes)


def _context(uow: UnitOfWork, actor: Actor, record: RowRecord, now: dt.datetime) -> Context:
    referenced = {line.solution_id for line in record.solutions or ()}
    return Context(
        role=actor.role,
        email_key=actor.email_key,
        catalog=uow.accounts.known_solutions(actor.org_id, referenced),
        now=now,
    )


def _uuid() -> str:
    return str(uuid.uuid4())
