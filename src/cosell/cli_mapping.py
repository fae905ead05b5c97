"""`cosell mapping save|list|show|delete`: an organization's column mapping profiles
(registered by `cli`), and reading a `--mapping` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cosell.cli_app import mapping_app, state
from cosell.cli_output import errors, fail
from cosell.services import accounts
from cosell.services import mapping_profiles as profiles

AsUser = Annotated[str, typer.Option("--as", help="Email of the acting user.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def read_mapping(path: Path) -> Any:
    """The parsed JSON of a mapping file; exits 2 saying what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{path}: the mapping file is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{path}: the mapping file is not JSON (line {exc.lineno}: {exc.msg})")


@mapping_app.command("save")
def mapping_save(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    file: Annotated[Path, typer.Argument(metavar="MAP.json", dir_okay=False)],
    as_: AsUser,
) -> None:
    """Save a column mapping as the organization's profile NAME (replacing one of that name)."""
    with errors():
        db = state.database()
        actor = accounts.actor_for(db, as_)
        profile, created = profiles.save_profile(db, actor, name, read_mapping(file))
        typer.echo(f'mapping profile "{profile.name}" {"saved" if created else "replaced"}')


@mapping_app.command("list")
def mapping_list(as_: AsUser, as_json: AsJson = False) -> None:
    """The mapping profiles: the built-in ones, then the organization's."""
    with errors():
        db = state.database()
        found = profiles.list_profiles(db, accounts.actor_for(db, as_))
        if as_json:
            typer.echo(
                json.dumps(
                    [
                        {"name": p.name, "builtin": p.builtin, "description": p.description}
                        for p in found
                    ]
                )
            )
            return
        for p in found:
            kind = f"built-in ({p.key})" if p.builtin else "saved"
            typer.echo(f"{p.name}  [{kind}, {len(p.mapping.columns)} columns]")


@mapping_app.command("show")
def mapping_show(name: Annotated[str, typer.Argument(metavar="NAME")], as_: AsUser) -> None:
    """Print a profile's mapping as JSON (to copy and edit)."""
    with errors():
        db = state.database()
        profile = profiles.get_profile(db, accounts.actor_for(db, as_), name)
        typer.echo(json.dumps(profile.mapping.to_json(), indent=2, ensure_ascii=False))


@mapping_app.command("delete")
def mapping_delete(name: Annotated[str, typer.Argument(metavar="NAME")], as_: AsUser) -> None:
    """Delete one of the organization's profiles (its saver or a Referrals admin)."""
    with errors():
        db = state.database()
        profiles.delete_profile(db, accounts.actor_for(db, as_), name)
        typer.echo(f'mapping profile "{name}" deleted')
