"""The command line's shared parts: the Typer app and its command groups, the state of
one invocation (settings, database), and the option choices. `cli` and the modules
that add commands to these groups (`cli_access`, `cli_ops`) all import from here, so
no command module imports another."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cosell.cli_output import errors
from cosell.services.backend import backend_for
from cosell.services.uow import Backend
from cosell.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="cosell: bulk export and import of co-sell referrals through CSV and Excel files.",
)
org_app = typer.Typer(no_args_is_help=True, help="Organizations.")
user_app = typer.Typer(no_args_is_help=True, help="Users.")
solution_app = typer.Typer(no_args_is_help=True, help="The solution catalog.")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(solution_app, name="solution")
token_app = typer.Typer(no_args_is_help=True, help="API tokens.")
app.add_typer(token_app, name="token")
mapping_app = typer.Typer(
    no_args_is_help=True, help="Column mapping profiles for files from a CRM."
)
app.add_typer(mapping_app, name="mapping")


class _State:
    settings: Settings
    db: Backend | None = None

    def database(self) -> Backend:
        if self.db is None:
            self.db = backend_for(self.settings)
        return self.db


state = _State()


class RoleChoice(StrEnum):
    admin = "admin"
    user = "user"


class MatchChoice(StrEnum):
    referral_id = "referral-id"
    crm_id = "crm-id"


class DateOrderChoice(StrEnum):
    MDY = "MDY"
    DMY = "DMY"
    YMD = "YMD"


class TabChoice(StrEnum):
    inbound = "inbound"
    outbound = "outbound"
    favorites = "favorites"
    all = "all"


@app.callback()
def _main(
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="SQLAlchemy URL (env COSELL_DATABASE_URL)."),
    ] = None,
) -> None:
    with errors():
        settings = Settings()
        if database_url:
            settings = settings.model_copy(update={"database_url": database_url})
        state.settings = settings
        state.db = None


def safe_url(url: str) -> str:
    """A database URL fit to print: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
