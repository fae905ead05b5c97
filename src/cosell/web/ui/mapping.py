"""The import page's mapping step (issue 10 §3): an uploaded file whose headers are not
ours (a CRM's export) gets a suggested mapping of its columns to ours, which the user
confirms or edits, may save as a named profile or replace by a saved one; the import
then goes on as any other.

`mapping_step` is called by the upload (`ui.imports`); the form posts to
`/imports/mapping`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cosell.domain.actor import Actor
from cosell.domain.field_spec import Access
from cosell.domain.fields import REQUIRED_ON_CREATE, Field
from cosell.domain.headers import localized_variants
from cosell.domain.mapping import ANY_VALUE, ColumnMapping, MappingError
from cosell.domain.mapping_suggest import STATUS_CHOICES, Suggestion, status_choice, suggest
from cosell.domain.model import Cell
from cosell.errors import CosellError, FileRejected
from cosell.i18n import N_, current_locale
from cosell.services import mapping_profiles as profiles
from cosell.services import mapping_step as kept
from cosell.web.context import AppContext
from cosell.web.deps import Ctx
from cosell.web.ui.guard import FormActor
from cosell.web.ui.import_form import CARRIED, import_options
from cosell.web.ui.render import html

router = APIRouter(include_in_schema=False)

_STATUS = Field.STATUS.value
_SUBSTATUS = Field.SUBSTATUS.value
_STAGE = Field.SALES_STAGE.value
STAGES = ("", "10", "20", "40", "60", "80", "100")
STATUS_LABELS = {
    "Active/Accepted": N_("Active / Accepted (open)"),
    "Closed/Won": N_("Closed / Won"),
    "Closed/Lost": N_("Closed / Lost"),
}
REASONS = {
    "header": N_("same name"),
    "synonym": N_("known name"),
    "similar": N_("similar name"),
    "values": N_("from its values"),
}


def our_columns() -> list[str]:
    """The columns of ours a column of theirs can fill (status brings its substatus)."""
    out = [
        f.value for f in Field if f.spec.access is not Access.IGNORED and f is not Field.SUBSTATUS
    ]
    return [*out, "Solution 1", "Team member 1"]


def constant_columns() -> list[str]:
    return [f.value for f in REQUIRED_ON_CREATE] + ["Solution 1", "Team member 1"]


_HEADER_LOCALES = {"nl": "nl-nl", "sv": "sv-se", "fr": "fr-fr"}


def column_label(name: str) -> str:
    """Our column as the reader's language names it in Partner Center, with the English
    header the file uses ("Dealnaam (Deal Name)")."""
    key = _HEADER_LOCALES.get(current_locale().split("-")[0])
    if key is None:
        return name
    names = localized_variants(key).get(name) or localized_variants(key).get(
        name.replace(" 1", " 1").strip()
    )
    label = names[0] if names else None
    return f"{label} ({name})" if label and label != name else name


@dataclass(slots=True)
class StatusRow:
    value: str
    choice: str
    stage: str = ""


@dataclass(slots=True)
class ColumnRow:
    index: int
    header: str
    samples: list[str]
    target: str
    reason: str = ""


@dataclass(slots=True)
class MappingForm:
    """What the mapping step shows, and what its form posts back."""

    columns: list[ColumnRow]
    values: dict[str, str]
    statuses: list[StatusRow] = field(default_factory=list)
    #: conversions of other columns (a profile's), kept as JSON
    extra_convert: dict[str, dict[str, str]] = field(default_factory=dict)

    def status_header(self) -> str | None:
        return next((c.header for c in self.columns if c.target == _STATUS), None)

    def to_json(self) -> dict[str, Any]:
        """The mapping the form describes (its JSON form)."""
        columns: dict[str, Any] = {}
        convert: dict[str, dict[str, str]] = {}
        taken = {c.target for c in self.columns if c.target}
        for c in self.columns:
            if not c.target:
                continue
            if c.target == _STATUS:
                targets = [_STATUS, _SUBSTATUS]
                status: dict[str, str] = {}
                substatus: dict[str, str] = {}
                stages: dict[str, str] = {}
                for row in self.statuses:
                    if row.choice not in STATUS_CHOICES:
                        continue
                    status[row.value], substatus[row.value] = row.choice.split("/")
                    if row.stage:
                        stages[row.value] = row.stage
                convert[_STATUS], convert[_SUBSTATUS] = status, substatus
                if stages and _STAGE not in taken:
                    targets.append(_STAGE)
                    convert[_STAGE] = stages
                columns[c.header] = targets
            else:
                columns[c.header] = c.target
        for ours, table in self.extra_convert.items():
            if ours in taken and ours not in convert:
                convert[ours] = table
        values = {k: v.strip() for k, v in self.values.items() if v.strip()}
        return {"columns": columns, "values": values, "convert": convert}


def _text(cell: Cell) -> str:
    from cosell.domain.cells import format_date

    return cell.strip() if isinstance(cell, str) else format_date(cell)


def _distinct(rows: list[list[Cell]], index: int) -> list[str]:
    return [t for t in dict.fromkeys(_text(r[index]) for r in rows if index < len(r)) if t]


def form_of_suggestion(found: Suggestion) -> MappingForm:
    return MappingForm(
        [ColumnRow(c.index, c.header, c.samples, c.target, c.reason) for c in found.columns],
        dict(found.values),
        [StatusRow(v, found.statuses[v]) for v in found.status_values]
        + [StatusRow(ANY_VALUE, "Active/Accepted")],
    )


def form_of_mapping(
    mapping: ColumnMapping, headers: list[str], rows: list[list[Cell]], defaults: dict[str, str]
) -> MappingForm:
    """The form of a saved mapping applied to this file's columns."""
    keys = {" ".join(k.split()).casefold(): v for k, v in mapping.columns.items()}
    stage_with_status = any(_STATUS in t and _STAGE in t for t in mapping.columns.values())
    columns = []
    status_index = None
    for i, h in enumerate(headers):
        targets = keys.get(" ".join(h.split()).casefold(), ())
        target = _STATUS if _STATUS in targets else (targets[0] if targets else "")
        if target == _STATUS:
            status_index = i
        samples = _distinct(rows, i)[:3]
        columns.append(ColumnRow(i, h, samples, target, "header" if target else ""))
    statuses = []
    if status_index is not None:
        conv_status = mapping.convert.get(_STATUS, {})
        conv_sub = mapping.convert.get(_SUBSTATUS, {})
        conv_stage = mapping.convert.get(_STAGE, {}) if stage_with_status else {}
        seen = list(dict.fromkeys([*_distinct(rows, status_index), *conv_status]))
        lower = {k.casefold(): k for k in conv_status}
        for value in [v for v in seen if v != ANY_VALUE] + [ANY_VALUE]:
            key = lower.get(value.casefold(), ANY_VALUE if ANY_VALUE in conv_status else None)
            choice = f"{conv_status[key]}/{conv_sub.get(key, '')}" if key is not None else ""
            if choice not in STATUS_CHOICES:
                choice = status_choice(value) if value != ANY_VALUE else "Active/Accepted"
            stage_key = next((k for k in conv_stage if k.casefold() == value.casefold()), None)
            statuses.append(StatusRow(value, choice, conv_stage.get(stage_key or "", "")))
    values = {**defaults, **mapping.values}
    status_targets = next((t for t in mapping.columns.values() if _STATUS in t), ())
    extra = {
        k: v
        for k, v in mapping.convert.items()
        if k not in (_STATUS, _SUBSTATUS) and k not in status_targets
    }
    return MappingForm(columns, values, statuses, extra)


def form_of_request(
    data: dict[str, str], headers: list[str], rows: list[list[Cell]]
) -> MappingForm:
    columns = [
        ColumnRow(i, h, _distinct(rows, i)[:3], data.get(f"col_{i}", ""))
        for i, h in enumerate(headers)
    ]
    names = constant_columns()
    values = {n: data.get(f"const_{j}", "") for j, n in enumerate(names)}
    statuses = []
    k = 0
    while f"status_from_{k}" in data and k < 500:
        statuses.append(
            StatusRow(
                data[f"status_from_{k}"],
                data.get(f"status_to_{k}", ""),
                data.get(f"stage_to_{k}", "") if data.get(f"stage_to_{k}", "") in STAGES else "",
            )
        )
        k += 1
    try:
        extra = json.loads(data.get("extra_convert") or "{}")
    except ValueError:
        extra = {}
    if not isinstance(extra, dict):
        extra = {}
    return MappingForm(columns, values, statuses, extra)


def _defaults(ctx: AppContext, actor: Actor) -> dict[str, str]:
    """The constants offered for Team member 1 (the user) and Solution 1 (the catalog's
    first solution)."""
    first, _, last = (actor.name or actor.email.split("@")[0]).partition(" ")
    return {
        "Team member 1": f"{first}, {last or first}, , {actor.email}",
        "Solution 1": kept.first_solution(ctx.db, actor),
    }


def _render(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    *,
    upload: str,
    file_name: str,
    form: MappingForm,
    carried: dict[str, str],
    errors: list[str] | None = None,
    profile: str = "",
    save_as: str = "",
    status: int = 200,
) -> Response:
    return html(
        request,
        "import_mapping.html",
        actor=actor,
        status=status,
        upload=upload,
        file_name=file_name,
        form=form,
        carried=carried,
        errors=errors or [],
        our_columns=our_columns(),
        constant_columns=constant_columns(),
        status_choices=[(c, STATUS_LABELS[c]) for c in STATUS_CHOICES],
        stages=STAGES,
        reasons=REASONS,
        any_value=ANY_VALUE,
        profiles=profiles.list_profiles(ctx.db, actor),
        profile=profile,
        save_as=save_as,
        extra_convert=json.dumps(form.extra_convert, ensure_ascii=False),
        required=[f.value for f in REQUIRED_ON_CREATE],
        column_label=column_label,
    )


def mapping_step(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    file_name: str,
    source: IO[bytes],
    carried: dict[str, str],
) -> Response | None:
    """The mapping step for an upload whose headers are not ours; None when they are (or
    the file cannot be read at all: the import then says why, as always). Only the
    start of a CSV file is read unless the step is needed."""
    start = source.read(kept.PEEK_BYTES)
    whole = len(start) < kept.PEEK_BYTES
    if not whole and kept.needs_whole(start):
        start += source.read(ctx.settings.max_upload_bytes + 1 - len(start))
        whole = True
    try:
        seen = kept.peek(start, ctx.settings, whole=whole)
    except FileRejected:
        return None
    if seen.ours:
        return None
    data = start if whole else start + source.read(ctx.settings.max_upload_bytes + 1)
    upload = kept.keep_upload(ctx.db, actor, file_name, data, ctx.settings)
    defaults = _defaults(ctx, actor)
    found = suggest(
        seen.headers,
        seen.rows,
        team_member=defaults["Team member 1"],
        solution=defaults["Solution 1"],
    )
    return _render(
        request, ctx, actor, upload=upload, file_name=file_name,
        form=form_of_suggestion(found), carried=carried,
    )  # fmt: skip


@router.post("/imports/mapping")
async def mapping_post(request: Request, actor: FormActor, ctx: Ctx) -> Response:
    """The mapping step's form: apply a profile, or import with the mapping (saving it
    as a profile first when a name is given)."""
    raw = await request.form()
    data = {k: v for k, v in raw.items() if isinstance(v, str)}
    upload = data.get("upload", "")
    carried = {k: data.get(k, "") for k in CARRIED}
    file_name, content = kept.kept_file(ctx.db, actor, upload)
    seen = kept.peek(content, ctx.settings)
    action = data.get("action", "import")
    save_as = data.get("save_as", "").strip()
    chosen = data.get("profile", "")
    if action == "apply" and chosen:
        profile = profiles.get_profile(ctx.db, actor, chosen)
        form = form_of_mapping(profile.mapping, seen.headers, seen.rows, _defaults(ctx, actor))
        return _render(
            request, ctx, actor, upload=upload, file_name=file_name, form=form,
            carried=carried, profile=profile.name, save_as=save_as,
        )  # fmt: skip
    form = form_of_request(data, seen.headers, seen.rows)
    try:
        mapping = ColumnMapping.from_json(form.to_json())
        mapping.layout(seen.headers)
        saved = None
        if save_as:
            saved, _new = profiles.save_profile(ctx.db, actor, save_as, mapping.to_json())
        options = import_options(carried, mapping, saved.name if saved else (chosen or None))
        job_id = kept.submit_kept(ctx.db, actor, upload, options)
    except MappingError as exc:
        return _render(
            request, ctx, actor, upload=upload, file_name=file_name, form=form,
            carried=carried, errors=exc.problems, profile=chosen, save_as=save_as, status=422,
        )  # fmt: skip
    except CosellError as exc:
        return _render(
            request, ctx, actor, upload=upload, file_name=file_name, form=form,
            carried=carried, errors=[exc.message], profile=chosen, save_as=save_as, status=422,
        )  # fmt: skip
    ctx.queue.enqueue(job_id)
    return RedirectResponse("/imports#last-file", status_code=303)


__all__ = ["mapping_step", "router"]
