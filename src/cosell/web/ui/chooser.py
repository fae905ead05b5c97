"""The language chooser of the page header: the signed-in user's choice of the pages'
language, kept on the user (so it follows them to another browser: signing in sets the
`cosell_lang` cookie from it) and in the cookie (which the request's language is read
from, `web.language`). "The browser's language" removes the choice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cosell.services import accounts
from cosell.web import language
from cosell.web.deps import Ctx
from cosell.web.ui.guard import FormActor, local_path

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)

#: The chooser's value for "no choice: the browser's language".
BROWSER = "browser"


@router.post("/language")
def choose_language(
    request: Request,
    actor: FormActor,
    ctx: Ctx,
    language_choice: Annotated[str, Form(alias="language")] = "",
    back: Annotated[str, Form()] = "/",
) -> Response:
    """Keeps the choice on the user and in the cookie, and goes back to the page."""
    chosen = None if language_choice in ("", BROWSER) else language_choice
    if actor.user_id is not None:
        accounts.set_language(ctx.db, actor.user_id, chosen, by=actor)
    response = RedirectResponse(local_path(back), status_code=303)
    language.remember(response, chosen, request)
    return response
