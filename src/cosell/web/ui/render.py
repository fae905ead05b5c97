"""Rendering pages: one Jinja2 environment, the layout's shared context, display filters."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cosell import __version__, i18n
from cosell.domain.actor import Actor
from cosell.domain.cells import format_yes_no
from cosell.web.headers import PAGE_POLICY
from cosell.web.security import read_session
from cosell.web.ui import notice

HTMX = "htmx-2.0.11.min.js"

#: How the header languages of templates and exports are offered (`domain.headers.LANGUAGES`).
LANGUAGE_NAMES = {
    "cs-cz": "Čeština (cs-cz)",
    "de-de": "Deutsch (de-de)",
    "es-es": "Español (es-es)",
    "fr-fr": "Français (fr-fr)",
    "hu-hu": "Magyar (hu-hu)",
    "it-it": "Italiano (it-it)",
    "ja-jp": "日本語 (ja-jp)",
    "ko-kr": "한국어 (ko-kr)",
    "nl-nl": "Nederlands (nl-nl)",
    "pl-pl": "Polski (pl-pl)",
    "pt-br": "Português – Brasil (pt-br)",
    "pt-pt": "Português – Portugal (pt-pt)",
    "ru-ru": "Русский (ru-ru)",
    "sv-se": "Svenska (sv-se)",
    "tr-tr": "Türkçe (tr-tr)",
    "zh-cn": "中文 – 简体 (zh-cn)",
    "zh-tw": "中文 – 繁體 (zh-tw)",
}


def money(value: Decimal | int | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text} {currency}" if currency else text


def compact(value: Decimal | int) -> str:
    """1234567 → "1.2M": short labels for the chart."""
    number = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if number >= limit:
            scaled = number / limit
            return f"{scaled:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{number:.0f}"


def day(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def moment(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%d %b %Y, %H:%M UTC")


def yes_no(value: bool | None) -> str:
    return "" if value is None else format_yes_no(value)


def count(value: int, singular: str, plural: str | None = None) -> str:
    return f"{value:,} {singular if value == 1 else (plural or singular + 's')}"


#: Pages hold a partner's pipeline: never framed by another site, never kept in a cache,
#: and no script but our own files (`web.headers`).
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@functools.cache
def environment() -> Environment:
    folder = resources.files("cosell.web").joinpath("templates")
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.plain_gettext, i18n.plain_ngettext, newstyle=True
    )
    env.filters.update(
        tr=i18n.translate,
        money=money,
        compact=compact,
        day=day,
        moment=moment,
        yes_no=yes_no,
        count=count,
    )
    env.globals.update(
        current_locale=i18n.current_locale,
        version=__version__,
        htmx=HTMX,
        language_names=LANGUAGE_NAMES,
    )
    return env


def html(
    request: Request,
    template: str,
    *,
    actor: Actor | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A full page (or a fragment: templates whose name starts with `_`)."""
    session = read_session(request)
    values: dict[str, Any] = {
        "request": request,
        "actor": actor,
        "csrf": session.csrf if session else "",
        "path": request.url.path,
        "export_notice": None,
        "queue_notice": None,
    }
    if actor is not None and not template.startswith("_"):
        values["export_notice"] = notice.current(request, actor)
        values["queue_notice"] = notice.queue_delay(request, actor)
    values.update(context)
    body = environment().get_template(template).render(values)
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
