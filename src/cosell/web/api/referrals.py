"""/api/v1/referrals: list, read, create, change (If-Match), favorites, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from cosell.errors import PreconditionRequired
from cosell.services import referrals as reading
from cosell.services.referral_changes import create_referral, update_referral
from cosell.web.api.common import errors, etag, if_match_version
from cosell.web.api.referral_schemas import (
    HistoryEntry,
    ReferralCreate,
    ReferralListQuery,
    ReferralOut,
    ReferralPage,
    ReferralPatch,
    history_out,
    referral_out,
)
from cosell.web.deps import Ctx, CurrentActor

router = APIRouter(prefix="/referrals", tags=["referrals"])

ReferralId = Annotated[str, Path(max_length=100, description="Referral ID")]
_ETAG = {"ETag": {"description": "the referral's version", "schema": {"type": "string"}}}
_LOCATION = {"Location": {"description": "the new referral", "schema": {"type": "string"}}}


@router.get("", response_model=ReferralPage, responses=errors(400, 422))
def list_referrals(
    actor: CurrentActor, ctx: Ctx, query: Annotated[ReferralListQuery, Query()]
) -> ReferralPage:
    """The referrals you can see, filtered, sorted and paged like the list page.

    List filters repeat the parameter: `?status=New&status=Active`. Page through a long
    list with `cursor=` and each answer's `next_cursor` rather than page numbers."""
    page = reading.list_referrals(
        ctx.db, actor, query.to_filters(), page=query.page, size=query.size, cursor=query.cursor
    )
    return ReferralPage(
        items=[referral_out(r) for r in page.items],
        total=page.total,
        total_exact=page.total_exact,
        page=page.page,
        size=page.size,
        pages=page.pages,
        has_next=page.has_next,
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{referral_id}",
    response_model=ReferralOut,
    responses={200: {"headers": _ETAG}, **errors(404, 422)},
)
def get_referral(
    referral_id: ReferralId, actor: CurrentActor, ctx: Ctx, response: Response
) -> ReferralOut:
    """One referral; its `ETag` is the version to send as `If-Match` when changing it."""
    referral = reading.get_referral(ctx.db, actor, referral_id)
    response.headers["ETag"] = etag(referral.version)
    return referral_out(referral)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReferralOut,
    responses={201: {"headers": {**_ETAG, **_LOCATION}}, **errors(400, 403, 422)},
)
def create(body: ReferralCreate, actor: CurrentActor, ctx: Ctx, response: Response) -> ReferralOut:
    """Create a referral with the rules of a file row that has no Referral ID.

    Partners create Outgoing referrals (status New or Active with substatus Accepted;
    stored as Active/Accepted). The integration token creates Incoming referrals
    (New/Pending by default, or New/Received; team members optional). A 422 lists
    every problem, each naming its field and file column."""
    referral = create_referral(
        ctx.db, actor, body.to_input(body.direction), source="api", settings=ctx.settings
    )
    response.headers["Location"] = f"/api/v1/referrals/{referral.id}"
    response.headers["ETag"] = etag(referral.version)
    return referral_out(referral)


@router.patch(
    "/{referral_id}",
    response_model=ReferralOut,
    responses={200: {"headers": _ETAG}, **errors(400, 404, 412, 422, 428)},
)
def change(
    referral_id: ReferralId,
    body: ReferralPatch,
    actor: CurrentActor,
    ctx: Ctx,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(description='the ETag of the referral as you read it, e.g. "3" (or *)'),
    ] = None,
) -> ReferralOut:
    """Change the given fields only (JSON merge patch; `null` clears).

    Needs `If-Match` with the ETag from GET: when someone changed the referral since,
    the answer is 412 and nothing changes. Fields fixed after creation, closed deals,
    status moves and the rest follow rules §1.3–1.5, as for an import row. Partners
    cannot change Microsoft Referral Status; the integration token can change only it.
    """
    if if_match is None:
        raise PreconditionRequired(
            f"Send If-Match with the ETag from GET /api/v1/referrals/{referral_id}, so a change "
            "made by someone else since you read it is not overwritten"
        )
    referral = update_referral(
        ctx.db,
        actor,
        referral_id,
        body.to_input(),
        expected_version=if_match_version(if_match),
        source="api",
        settings=ctx.settings,
    )
    response.headers["ETag"] = etag(referral.version)
    return referral_out(referral)


@router.put(
    "/{referral_id}/favorite",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(403, 404, 422),
)
def add_favorite(referral_id: ReferralId, actor: CurrentActor, ctx: Ctx) -> Response:
    """Mark the referral as one of your favorites (the Favorites tab)."""
    reading.set_favorite(ctx.db, actor, referral_id, True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{referral_id}/favorite",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(403, 404, 422),
)
def remove_favorite(referral_id: ReferralId, actor: CurrentActor, ctx: Ctx) -> Response:
    """Remove the referral from your favorites."""
    reading.set_favorite(ctx.db, actor, referral_id, False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{referral_id}/history", response_model=list[HistoryEntry], responses=errors(404, 422))
def history(referral_id: ReferralId, actor: CurrentActor, ctx: Ctx) -> list[HistoryEntry]:
    """Every change of the referral, newest first: who, when, from where, before/after."""
    return [history_out(e) for e in reading.history(ctx.db, actor, referral_id)]
