"""Admin pages (Referrals admins only): the users and the solution catalog of the organization.

On the Users page an admin deactivates and activates users, changes their role and
resets their password (the new one is shown once, on that answer only); each is a POST
form with the session's CSRF token and takes effect at the user's next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cosell.domain.actor import Actor
from cosell.domain.enums import Role
from cosell.errors import Conflict, UsageError
from cosell.i18n import N_, Msg, term
from cosell.services import accounts
from cosell.web.context import AppContext
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.ui.guard import FormActor
from cosell.web.ui.render import html

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)

ROLES = ((Role.USER.value, Role.USER.label), (Role.ADMIN.value, Role.ADMIN.label))


@dataclass(frozen=True, slots=True)
class _Page:
    """An admin page: its template, the messages it may show, its empty form."""

    template: str
    messages: tuple[str, ...]
    empty_form: dict[str, str]

    def render(
        self,
        request: Request,
        actor: Actor,
        data: dict[str, Any],
        *,
        form: dict[str, str] | None = None,
        status: int = 200,
        **messages: str,
    ) -> Response:
        """The page with `data`; the messages not given are empty (the template reads
        them all)."""
        unknown = messages.keys() - set(self.messages)
        if unknown:
            raise TypeError(f"{self.template} has no message {', '.join(sorted(unknown))}")
        shown: dict[str, Any] = {**dict.fromkeys(self.messages, ""), **messages}
        return html(
            request,
            self.template,
            actor=actor,
            status=status,
            form=form or self.empty_form,
            **data,
            **shown,
        )


_USERS = _Page(
    "admin_users.html",
    ("error", "added", "generated", "done", "action_error", "reset_for"),
    {"email": "", "name": "", "role": Role.USER.value},
)
_SOLUTIONS = _Page("admin_solutions.html", ("error", "added"), {"solution_id": "", "name": ""})


def _users_page(request: Request, ctx: AppContext, actor: Actor, **options: Any) -> Response:
    """The Users page; `options` as `_Page.render` takes them."""
    users = accounts.list_users(ctx.db, actor)
    return _USERS.render(request, actor, {"users": users, "roles": ROLES}, **options)


#: what a user action did, as the page says it after the redirect (`?done=…&who=…`)
_DONE = {
    "deactivate": N_(
        "%(who)s was deactivated: their sessions ended and their API tokens were revoked."
    ),
    "activate": N_("%(who)s was activated; they can sign in again."),
    "role": N_("%(who)s has a new role; their sessions ended."),
}


@router.get("/admin/users")
def users_page(
    request: Request, actor: CurrentActor, ctx: Ctx, added: str = "", done: str = "", who: str = ""
) -> Response:
    message = term(_DONE[done]) % {"who": who} if done in _DONE and who else ""
    return _users_page(request, ctx, actor, added=added, done=message)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate_user(request: Request, actor: FormActor, ctx: Ctx, user_id: int) -> Response:
    return _user_action(request, ctx, actor, "deactivate", user_id, None)


@router.post("/admin/users/{user_id}/activate")
def activate_user(request: Request, actor: FormActor, ctx: Ctx, user_id: int) -> Response:
    return _user_action(request, ctx, actor, "activate", user_id, None)


@router.post("/admin/users/{user_id}/role")
def set_user_role(
    request: Request,
    actor: FormActor,
    ctx: Ctx,
    user_id: int,
    role: Annotated[str, Form()] = "",
) -> Response:
    return _user_action(request, ctx, actor, "role", user_id, role)


@router.post("/admin/users/{user_id}/password")
def reset_password(request: Request, actor: FormActor, ctx: Ctx, user_id: int) -> Response:
    try:
        user, password = accounts.set_password(ctx.db, user_id, by=actor)
    except (UsageError, Conflict) as exc:
        return _users_page(request, ctx, actor, action_error=exc.message, status=422)
    # shown once, on this answer only (never in a URL)
    return _users_page(request, ctx, actor, reset_for=user.email, generated=password)


def _user_action(
    request: Request, ctx: AppContext, actor: Actor, action: str, user_id: int, role: str | None
) -> Response:
    try:
        if action == "deactivate":
            user, _ = accounts.deactivate_user(ctx.db, user_id, by=actor)
        elif action == "activate":
            user = accounts.activate_user(ctx.db, user_id, by=actor)
        else:
            user = accounts.set_role(ctx.db, user_id, _role(role or ""), by=actor)
    except (UsageError, Conflict) as exc:
        return _users_page(request, ctx, actor, action_error=exc.message, status=422)
    query = urlencode({"done": action, "who": user.email})
    return RedirectResponse(f"/admin/users?{query}", status_code=303)


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
    raise UsageError(Msg('role must be "admin" or "user", not "%(value)s"', value=value))


def _solutions_page(request: Request, ctx: AppContext, actor: Actor, **options: Any) -> Response:
    """The Solution catalog page; `options` as `_Page.render` takes them."""
    catalog = accounts.list_solutions(ctx.db, actor)
    return _SOLUTIONS.render(request, actor, {"catalog": catalog}, **options)


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
