"""JSON shapes of undoing an import: the request (JSON or form) and the result.

The request body is optional and may come as JSON (`{"dry_run": true}`) or as a
form field (`dry_run=true`, as an HTML form or `curl -F` sends it), so it is read
by `UndoDryRun` rather than declared as one model; `UNDO_BODY` documents both.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cosell.services.undo import UndoResult

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_YES, _NO = ("1", "on", "yes", "true"), ("", "0", "off", "no", "false")


class UndoRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"dry_run": True}]})
    dry_run: bool = Field(False, description="report what would be undone; change nothing")


class UndoConflictOut(BaseModel):
    """A deal the undo skipped because it changed after the import."""

    referral_id: str
    fields: list[str] = Field(
        description="the columns changed after the import (empty: the deal is no longer "
        "visible to you)"
    )
    changed_by: str | None = Field(
        description='the email of who changed it last, "system", or null when not visible'
    )
    changed_at: dt.datetime | None = Field(description="when it was last changed")


class UndoResultOut(BaseModel):
    """What the undo did, or with `dry_run` would do."""

    job_id: str = Field(description="the undo job's id")
    status: Literal["completed"] = "completed"
    dry_run: bool
    removed: int = Field(description="deals the import created, now deleted")
    restored: int = Field(description="deals the import changed, now as they were before it")
    skipped: int = Field(description="deals left alone because they changed after the import")
    conflicts: list[UndoConflictOut]


def undo_result(result: UndoResult) -> UndoResultOut:
    """The answer: the same JSON the undo job keeps and the CLI prints."""
    return UndoResultOut.model_validate(result.summary())


_FORM_SCHEMA = {
    "type": "object",
    "properties": {"dry_run": {"type": "boolean", "default": False}},
    "additionalProperties": False,
}
#: The OpenAPI `requestBody` of the undo: optional, as JSON or as a form.
UNDO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {"schema": UndoRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA},
        },
    }
}


async def _dry_run(request: Request) -> bool:
    """`dry_run` from a JSON body or a form; false without a body. Anything else is a 422
    naming what was expected."""
    body = await request.body()
    if not body.strip():
        return False
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind.startswith(_FORMS):
        value = (await request.form()).get("dry_run", "")
        flag = value.strip().lower() if isinstance(value, str) else None
        if flag in _YES or flag in _NO:
            return flag in _YES
        raise _invalid(("body", "dry_run"), "expected true or false (also 1/0, yes/no, on/off)")
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return UndoRequest.model_validate_json(body).dry_run
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None
    raise _invalid(("body",), 'expected JSON such as {"dry_run": true}, a form, or no body')


def _invalid(loc: tuple[str, ...], message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": loc, "msg": message, "type": "value_error"}])


#: The `dry_run` an undo request asks for.
UndoDryRun = Annotated[bool, Depends(_dry_run)]
