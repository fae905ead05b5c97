"""The access commands of the CLI: `cosell token list|revoke` and
`cosell user deactivate|activate|set-role|set-password|set-language` (registered by `cli`).

Each takes effect at the user's next request: a revoked token and a deactivated user's
sessions and tokens are refused; a role change and a new password end the sessions.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cosell.cli_app import RoleChoice, state, token_app, user_app
from cosell.cli_output import errors
from cosell.domain.enums import Role
from cosell.services import accounts
from cosell.services.uow import TokenListing


def _tokens(count: int) -> str:
    return f"{count} token{'' if count == 1 else 's'} revoked"


@user_app.command("deactivate")
def user_deactivate(email: str) -> None:
    """Deactivate a user: their sessions end and their API tokens are revoked."""
    with errors():
        user, revoked = accounts.deactivate_user(state.database(), email)
        typer.echo(f"{user.email} deactivated; sessions ended, {_tokens(revoked)}")


@user_app.command("activate")
def user_activate(email: str) -> None:
    """Let a deactivated user sign in again (their old API tokens stay revoked)."""
    with errors():
        user = accounts.activate_user(state.database(), email)
        typer.echo(f"{user.email} activated")


@user_app.command("set-role")
def user_set_role(email: str, role: RoleChoice) -> None:
    """Give a user the role admin or user; their sessions end."""
    with errors():
        user = accounts.set_role(state.database(), email, Role(role.value))
        typer.echo(f"{user.email} is now a {Role(role.value).label}; sessions ended")


@user_app.command("set-password")
def user_set_password(
    email: str,
    password: Annotated[
        str | None, typer.Option("--password", help="The new password; generated when absent.")
    ] = None,
) -> None:
    """Set (reset) a user's password; their sessions end. A generated one is printed once."""
    with errors():
        user, given = accounts.set_password(state.database(), email, password)
        typer.echo(f"password of {user.email} set; sessions ended")
        if password is None:
            typer.echo(f"password: {given}")


@user_app.command("set-language")
def user_set_language(
    email: str,
    language: Annotated[
        str, typer.Argument(help="en, nl, sv or fr; browser: no choice (the browser's language)")
    ],
) -> None:
    """Set the language of a user's pages (they get it at their next sign-in)."""
    with errors():
        chosen = None if language == "browser" else language
        user = accounts.set_language(state.database(), email, chosen)
        shown = user.language or "the browser's language"
        typer.echo(f"{user.email} reads the pages in {shown}")


@token_app.command("list")
def token_list(
    org: Annotated[str | None, typer.Option("--org", help="Only this organization's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array on stdout.")] = False,
) -> None:
    """List API tokens (never their values): id, kind, organization, user, dates."""
    with errors():
        found = accounts.list_tokens(state.database(), org_name=org)
        if as_json:
            typer.echo(json.dumps([_as_dict(t) for t in found]))
            return
        header = f"{'ID':>5}  {'KIND':11}  {'ORGANIZATION':20}  {'USER':32}  {'CREATED':16}  STATE"
        typer.echo(header)
        for t in found:
            created = t.created_at.strftime("%Y-%m-%d %H:%M")
            state_ = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            user = t.user_email or "(Microsoft side)"
            typer.echo(f"{t.id:>5}  {t.kind:11}  {t.org[:20]:20}  {user:32}  {created}  {state_}")


def _as_dict(token: TokenListing) -> dict[str, object]:
    def iso(value: object) -> str | None:
        return value.isoformat() if hasattr(value, "isoformat") else None

    return {
        "id": token.id,
        "kind": token.kind,
        "org": token.org,
        "user": token.user_email,
        "name": token.name,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
    }


@token_app.command("revoke")
def token_revoke(
    ids: Annotated[list[int] | None, typer.Argument(metavar="[ID]...", help="Token ids.")] = None,
    as_: Annotated[str | None, typer.Option("--as", help="Every token of this user.")] = None,
    token: Annotated[str | None, typer.Option("--token", help="The token with this value.")] = None,
) -> None:
    """Revoke API tokens by id (see `token list`), all of a user's, or one by its value."""
    with errors():
        revoked = accounts.revoke_tokens(
            state.database(), token_ids=ids or [], user_email=as_, token=token
        )
        typer.echo(_tokens(revoked))
