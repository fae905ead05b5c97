"""The pages' languages: gettext catalogs (Babel `.po` files) and the locale of the moment.

Strings shown to people are written in English inside `_()` (or `N_()` where a module
constant is translated later, when shown) and looked up in
`cosell/locales/<lang>/LC_MESSAGES/messages.po`. The catalogs are compiled with Babel
when first used. `make catalogs` extracts the strings again (`babel.cfg`) and updates
the catalogs; `tests/test_catalogs.py` fails when a catalog misses one.

The locale of the moment is a context variable: the web sets it per request
(`use_locale`), everything else runs in English.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
import io
from collections.abc import Iterator, Sequence
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: The languages of the pages, English first (the language of the source strings).
LOCALES = ("en", "nl", "sv", "fr")
DEFAULT_LOCALE = "en"
DOMAIN = "messages"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "cosell_locale", default=DEFAULT_LOCALE
)


@functools.cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The compiled catalog of a locale (English: the source strings themselves)."""
    if locale not in LOCALES or locale == DEFAULT_LOCALE:
        return _gettext.NullTranslations()
    source = resources.files("cosell").joinpath("locales", locale, "LC_MESSAGES", DOMAIN + ".po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def current_locale() -> str:
    return _current.get()


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Run the block in `locale` (an unknown one falls back to English)."""
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str, **values: object) -> str:
    """`message` in the current locale, with `%(name)s` placeholders filled from `values`."""
    text = translations(_current.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def N_(message: str) -> str:
    """Marks a string for the catalogs without translating it (translated when shown)."""
    return message


_ = gettext


def term(message: object) -> str:
    """A string marked with `N_` where it is defined (a field's label, a status …), in
    the current locale; a string no catalog has is shown as it is. (Not `_`: the
    extraction looks for literal strings in `_()` and warns about variables.)"""
    return "" if message is None else translations(_current.get()).gettext(str(message))


class Msg(str):
    """A message that is English text (it *is* a `str`) and remembers how it was made:
    its catalog string and the values filled into it, so that it can be shown again in
    another language (`translate`). The domain and the services raise these; the pages
    show them in the reader's language, results files in the file's.

    Values that are `Msg` themselves are translated with it; other values are kept.
    """

    __slots__ = ("template", "values")
    template: str
    values: dict[str, object]

    def __new__(cls, template: str, /, **values: object) -> Msg:
        text = template % values if values else template
        made = super().__new__(cls, text)
        made.template = template
        made.values = values
        return made

    @classmethod
    def marked(cls, text: str) -> Msg:
        """A string marked with `N_` where it is defined (a label …) as a message, to be
        shown in the reader's language. (Not `Msg(text)`: the extraction would look for a
        literal string there.)"""
        return cls(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.template, self.values))

    def in_locale(self, locale: str) -> str:
        catalog = translations(locale)
        text = catalog.gettext(self.template)
        if not self.values:
            return text
        values = {
            k: v.in_locale(locale) if isinstance(v, Msg) else v for k, v in self.values.items()
        }
        return text % values


def _rebuild(kind: type[Msg], template: str, values: dict[str, object]) -> Msg:
    """A Msg (or a subclass: they are built from a template and values too) unpickled."""
    return kind(template, **values)


def translate(text: object, locale: str | None = None) -> str:
    """`text` in `locale` (default: the current one) when it is a `Msg`, else as it is."""
    if isinstance(text, Msg):
        return text.in_locale(locale or _current.get())
    return "" if text is None else str(text)


def plain_gettext(message: str) -> str:
    """The lookup alone, for Jinja's i18n extension (which fills the placeholders itself)."""
    return translations(_current.get()).gettext(message)


def plain_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def best_match(accept_language: str | None) -> str | None:
    """The first of our locales that an `Accept-Language` header asks for, by its weights."""
    if not accept_language:
        return None
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = tag.strip().lower().split("-")[0]
        if language and weight > 0:
            wanted.append((-weight, position, language))
    for _weight, _position, language in sorted(wanted):
        if language in LOCALES:
            return language
    return None


# ------------------------------------------------------------------ composing and keeping Msgs
#: Msg subclasses that render their own way (`in_locale`), by the tag their stored JSON
#: form names (`register_kind`), and the other way round; a plain Msg has no tag.
_KINDS: dict[str, type[Msg]] = {}
_TAGS: dict[type[Msg], str] = {}


def register_kind(tag: str, kind: type[Msg]) -> None:
    """Name a Msg subclass for `message_to_json`/`message_from_json`: it is rebuilt from
    its template and values as `kind(template, **values)`."""
    _KINDS[tag] = kind
    _TAGS[kind] = tag


def joined(separator: str, parts: Sequence[str]) -> str:
    """`separator.join(parts)`, kept as a Msg when a part is one (each part is then
    translated on its own; the separator is not)."""
    if not any(isinstance(part, Msg) for part in parts):
        return separator.join(parts)
    template = separator.replace("%", "%%").join(f"%(p{i})s" for i in range(len(parts)))
    return Msg(template, **{f"p{i}": part for i, part in enumerate(parts)})


def message_to_json(text: str) -> object:
    """A message as JSON: a plain str as it is, a Msg as `{"t": template, "v": values}`
    (values that are Msgs nested the same way; `"k"` names a registered subclass)."""
    if not isinstance(text, Msg):
        return str(text)
    data: dict[str, object] = {"t": text.template}
    if text.values:
        data["v"] = {
            key: message_to_json(value) if isinstance(value, str) else value
            for key, value in text.values.items()
        }
    if (tag := _TAGS.get(type(text))) is not None:
        data["k"] = tag
    return data


def message_from_json(data: object) -> str:
    """The message `message_to_json` wrote (a str stays a str). ValueError for anything
    else."""
    if isinstance(data, str):
        return data
    if not isinstance(data, dict) or not isinstance(data.get("t"), str):
        raise ValueError(f"not a stored message: {data!r}")
    raw = data.get("v") or {}
    if not isinstance(raw, dict):
        raise ValueError(f"not a stored message: {data!r}")
    values = {
        str(key): message_from_json(value) if isinstance(value, str | dict) else value
        for key, value in raw.items()
    }
    kind = _KINDS.get(data["k"], Msg) if isinstance(data.get("k"), str) else Msg
    return kind(data["t"], **values)
