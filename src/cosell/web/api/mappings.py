"""/api/v1/mapping-profiles: column mappings saved under a name, for files from a CRM.

The built-in profiles (Salesforce, HubSpot, Dynamics 365 Sales exports) are listed
with every organization's own; an import names one with `mapping_profile`, or gives
a mapping with `mapping` (see `POST /api/v1/imports`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from cosell.domain.mapping import ColumnMapping
from cosell.services import mapping_profiles as profiles
from cosell.web.api.common import errors
from cosell.web.deps import Ctx, CurrentActor

router = APIRouter()
ProfileName = Annotated[str, Path(max_length=100, description="the profile's name")]


class MappingBody(BaseModel):
    """A column mapping: how the columns of a file from another system become ours."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "columns": {
                        "Opportunity Name": "Deal Name",
                        "Stage": ["Partner Referral Status", "Partner Referral Substatus"],
                    },
                    "values": {"Consent to share Customer/Partner contact": "Yes"},
                    "convert": {
                        "Partner Referral Status": {"Closed Won": "Closed", "*": "Active"},
                        "Partner Referral Substatus": {"Closed Won": "Won", "*": "Accepted"},
                    },
                }
            ]
        },
    )

    columns: dict[str, str | list[str] | None] = Field(
        default_factory=dict,
        description="their header → one of our columns (a Partner Center header), a list "
        "of them, or null to leave the column out",
    )
    values: dict[str, str] = Field(
        default_factory=dict,
        description="our column → the value when the file has no column for it or its "
        "cell is empty",
    )
    convert: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description='our column → {their value: our value}; "*" stands for every other '
        "non-empty value",
    )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump()

    @classmethod
    def of(cls, mapping: ColumnMapping) -> MappingBody:
        return cls.model_validate(mapping.to_json())


class ProfileOut(BaseModel):
    name: str
    builtin: bool = Field(description="shipped with cosell: cannot be replaced or deleted")
    description: str = ""
    mapping: MappingBody


def _out(profile: profiles.Profile) -> ProfileOut:
    return ProfileOut(
        name=profile.name,
        builtin=profile.builtin,
        description=profile.description,
        mapping=MappingBody.of(profile.mapping),
    )


@router.get(
    "/mapping-profiles",
    tags=["mapping profiles"],
    response_model=list[ProfileOut],
    responses=errors(403, 422),
)
def list_profiles(actor: CurrentActor, ctx: Ctx) -> list[ProfileOut]:
    """The built-in profiles, then your organization's saved ones."""
    return [_out(p) for p in profiles.list_profiles(ctx.db, actor)]


@router.get(
    "/mapping-profiles/{name}",
    tags=["mapping profiles"],
    response_model=ProfileOut,
    responses=errors(403, 404, 422),
)
def get_profile(name: ProfileName, actor: CurrentActor, ctx: Ctx) -> ProfileOut:
    """One profile (names compare without regard to case)."""
    return _out(profiles.get_profile(ctx.db, actor, name))


@router.put(
    "/mapping-profiles/{name}",
    tags=["mapping profiles"],
    response_model=ProfileOut,
    responses={
        201: {"model": ProfileOut, "description": "saved as a new profile"},
        **errors(400, 403, 422),
    },
)
def put_profile(
    name: ProfileName, body: MappingBody, actor: CurrentActor, ctx: Ctx, response: Response
) -> ProfileOut:
    """Save a mapping as your organization's profile `name`: 201 when new, 200 when it
    replaced one (a profile another user saved takes a Referrals admin to replace)."""
    profile, created = profiles.save_profile(ctx.db, actor, name, body.to_json())
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _out(profile)


@router.delete(
    "/mapping-profiles/{name}",
    tags=["mapping profiles"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(400, 403, 404, 422),
)
def delete_profile(name: ProfileName, actor: CurrentActor, ctx: Ctx) -> Response:
    """Delete one of your organization's profiles (its saver or a Referrals admin)."""
    profiles.delete_profile(ctx.db, actor, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
