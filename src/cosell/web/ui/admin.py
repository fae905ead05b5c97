"""Admin pages (Referrals admins only): the users and the solution catalog of the organization."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from cosell.domain.enums import Role
from cosell.errors import Conflict, UsageError
from cosell.services import accounts
from cosell.services.actor import Actor
from cosell.web.context import AppContext
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.ui import router
from cosell.web.ui.guard import FormActor
from cosell.web.ui.render import html

ROLES = ((Role.USER.value, Role.USER.label), (Role.ADMIN.value, Role.ADMIN.label))


def _users_page(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    *,
    error: str = "",
    added: str = "",
    generated: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    users = accounts.list_users(ctx.db, actor)
    return html(
        request,
        "admin_users.html",
        actor=actor,
        status=status,
        users=users,
        roles=ROLES,
        error=error,
        added=added,
        generated=generated,
        form=form or {"email": "", "name": "", "role": Role.USER.value},
    )


@router.get("/admin/users")
def users_page(request: Request, actor: CurrentActor, ctx: Ctx, added: str = "") -> Response:
    return _users_page(request, ctx, actor, added=added)


@router.post("/admin/users")
def add_user(
    request: Request,
    actor: FormActor,
    ctx: Ctx,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = Role.USER.value,
    password: Annotated[str, Form()] = "",
) -> Response:
    accounts.require_admin(actor)
    form = {"email": email, "name": name, "role": role}
    try:
        user, given = accounts.add_user(
            ctx.db,
            email,
            org_id=actor.org_id,
            role=_role(role),
            password=password or None,
            name=name.strip() or None,
        )
    except (UsageError, Conflict) as exc:
        return _users_page(request, ctx, actor, error=exc.message, form=form, status=422)
    if not password:  # generated: shown once, on this answer only
        return _users_page(request, ctx, actor, added=user.email, generated=given)
    return RedirectResponse(f"/admin/users?{urlencode({'added': user.email})}", status_code=303)


def _role(value: str) -> Role:
    for role in Role:
        if role.value == value:
            return role
    raise UsageError(f'role must be "admin" or "user", not "{value}"')


def _solutions_page(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    *,
    error: str = "",
    added: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    catalog = accounts.list_solutions(ctx.db, actor)
    return html(
        request,
        "admin_solutions.html",
        actor=actor,
        status=status,
        catalog=catalog,
        error=error,
        added=added,
        form=form or {"solution_id": "", "name": ""},
    )


@router.get("/admin/solutions")
def solutions_page(request: Request, actor: CurrentActor, ctx: Ctx, added: str = "") -> Response:
    return _solutions_page(request, ctx, actor, added=added)


@router.post("/admin/solutions")
def add_solution(
    request: Request,
    actor: FormActor,
    ctx: Ctx,
    solution_id: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    accounts.require_admin(actor)
    try:
        accounts.add_solution(ctx.db, solution_id, org_id=actor.org_id, name=name.strip() or None)
    except UsageError as exc:
        form = {"solution_id": solution_id, "name": name}
        return _solutions_page(request, ctx, actor, error=exc.message, form=form, status=422)
    added = urlencode({"added": solution_id.strip()})
    return RedirectResponse(f"/admin/solutions?{added}", status_code=303)
