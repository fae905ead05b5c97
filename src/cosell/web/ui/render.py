"""Rendering pages: one Jinja2 environment, the layout's shared context, display filters."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any

from babel import dates, numbers
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from cosell import __version__, i18n
from cosell.domain.actor import Actor
from cosell.web import language
from cosell.web.headers import PAGE_POLICY
from cosell.web.security import read_session
from cosell.web.ui import notice, terms

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


def _number(value: Decimal | int | float, pattern: str) -> str:
    return numbers.format_decimal(value, format=pattern, locale=i18n.current_locale())


def money(value: Decimal | int | None, currency: str | None = None) -> str:
    """12563.5 → "12,563.50" (English), "12.563,50" (Dutch); whole amounts without ",00";
    the currency's code after it. Files keep Partner Center's format (`files.writer`)."""
    if value is None:
        return ""
    text = _number(Decimal(value), "#,##0.00")
    zero = numbers.get_decimal_symbol(i18n.current_locale()) + "00"
    if text.endswith(zero):
        text = text[: -len(zero)]
    return f"{text} {currency}" if currency else text


def compact(value: Decimal | int) -> str:
    """1234567 → "1.2M" (English), "1,2 mln." (Dutch): short labels for the chart."""
    number = float(value)
    locale = i18n.current_locale()
    if locale != i18n.DEFAULT_LOCALE:
        return numbers.format_compact_decimal(number, locale=locale, fraction_digits=1)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if number >= limit:
            scaled = number / limit
            return f"{scaled:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{number:.0f}"


def day(value: dt.date | None) -> str:
    """A date as the reader's locale writes it: "30 Jan 2027" in English, "30-01-2027" in
    Dutch, "2027-01-30" in Swedish, "30/01/2027" in French."""
    if value is None:
        return ""
    locale = i18n.current_locale()
    if locale == i18n.DEFAULT_LOCALE:
        return value.strftime("%d %b %Y")
    return dates.format_date(value, "short", locale=locale)


def moment(value: dt.datetime | None) -> str:
    """A time in UTC: "30 Jan 2027, 14:05 UTC"; in Dutch "30-01-2027 14:05 UTC"."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    locale = i18n.current_locale()
    if locale == i18n.DEFAULT_LOCALE:
        return value.strftime("%d %b %Y, %H:%M UTC")
    return f"{dates.format_date(value.date(), 'short', locale=locale)} {value:%H:%M} UTC"


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return i18n.gettext("Yes") if value else i18n.gettext("No")


def count(value: int) -> str:
    """A whole number with the locale's thousands separator: "1,234", "1.234", "1 234";
    for `ngettext("%(num)s row", "%(num)s rows", n, num=n | count)`."""
    return _number(value, "#,##0")


#: Pages hold a partner's pipeline: never framed by another site, never kept in a cache,
#: and no script but our own files (`web.headers`).
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _per_reader(show: Callable[..., str]) -> Callable[..., str]:
    """A filter that shows a value in the reader's language. Jinja computes a filter of a
    constant once, when it compiles the template (`{{ 1000 | count }}`), in the language
    of whoever asked first; a filter that takes the context is never computed ahead."""

    @pass_context
    def shown(_context: Context, value: Any, *args: Any, **kwargs: Any) -> str:
        return show(value, *args, **kwargs)

    shown.__doc__ = show.__doc__
    return shown


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
    shown_by_name: dict[str, Callable[..., str]] = {
        "tr": i18n.translate,
        "money": money,
        "compact": compact,
        "day": day,
        "moment": moment,
        "yes_no": yes_no,
        "count": count,
        "t": i18n.term,
        "job_status": terms.job_status,
    }
    env.filters.update({name: _per_reader(show) for name, show in shown_by_name.items()})
    env.globals.update(
        current_locale=i18n.current_locale,
        version=__version__,
        htmx=HTMX,
        language_names=LANGUAGE_NAMES,
        page_languages=language.NAMES,
    )
    return env


def _page_url(request: Request) -> str:
    if request.method != "GET":
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


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
        # where the language chooser comes back to: this page, unless a form's answer
        "page_url": _page_url(request),
        "export_notice": None,
        "queue_notice": None,
    }
    if actor is not None and not template.startswith("_"):
        values["export_notice"] = notice.current(request, actor)
        values["queue_notice"] = notice.queue_delay(request, actor)
    values.update(context)
    body = environment().get_template(template).render(values)
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
