"""What every API module shares: the problem schema, error responses for OpenAPI,
file downloads, ETags, and access to import and export jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cosell.errors import UsageError
from cosell.services.exports import CONTENT_TYPES

PROBLEM_TYPE = "application/problem+json"


class ProblemItem(BaseModel):
    field: str | None = Field(
        None, description="The JSON field (`country`, `solutions[1]`, `body.deal_name` …)"
    )
    column: str | None = Field(None, description="The file column of the rule that failed")
    message: str


class Problem(BaseModel):
    """An error as an RFC 9457 problem object; `detail` is written for people."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Invalid referral",
                    "status": 422,
                    "detail": "The referral was not saved: Customer Country: "
                    '"XX" is not valid; expected a two-letter ISO 3166 country code',
                    "errors": [
                        {
                            "field": "country",
                            "column": "Customer Country",
                            "message": '"XX" is not valid; expected a two-letter ISO 3166 '
                            "country code, e.g. US or NL",
                        }
                    ],
                }
            ]
        }
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] | None = Field(
        None, description="Every problem found, when there are several (422)"
    )


_MEANINGS: dict[int, str] = {
    400: "Bad request: an option or parameter that cannot be used",
    401: "No valid API token or session",
    403: "Not allowed (for a session: the X-CSRF-Token header is missing or wrong)",
    404: "Not found in your organization (or not visible to you)",
    409: "Not ready: the job has not finished yet",
    412: "The referral changed since you read it (If-Match is stale)",
    413: "The upload is larger than the limit",
    422: "The request or the referral breaks the rules; `errors` lists every problem",
    428: "If-Match is required",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error codes: problem objects."""
    ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {
        code: {"model": Problem, "description": _MEANINGS[code], "content": {PROBLEM_TYPE: ref}}
        for code in codes
    }


def file_responses(description: str) -> dict[int | str, dict[str, Any]]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        200: {
            "description": description,
            "content": {"text/csv": binary, CONTENT_TYPES["xlsx"]: binary},
            "headers": {
                "Content-Disposition": {
                    "description": "attachment; filename=…",
                    "schema": {"type": "string"},
                }
            },
        }
    }


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(value: str) -> int | None:
    """The version an `If-Match` header names (`"3"`, `W/"3"` or `3`); None for `*`."""
    text = value.strip()
    if text == "*":
        return None
    tag = text.removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit()) or len(tag) > 18:
        raise UsageError(
            f"If-Match must be one ETag of the referral, such as \"3\" (or *), not '{text[:40]}'"
        )
    return int(tag)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """Stored timestamps are naive UTC; the API says so."""
    return value.replace(tzinfo=dt.UTC) if value is not None else None
