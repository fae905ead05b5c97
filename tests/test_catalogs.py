"""The message catalogs are complete (issue 10 §2).

- `messages.pot` holds exactly what the extraction finds today (`make catalogs`
  was run after the last string changed);
- the Dutch, Swedish and French catalogs translate every one of those strings, with
  the same `%(placeholders)s`, nothing fuzzy;
- the templates hold no visible text outside `_()` / `ngettext()` (brand names and
  codes excepted).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "src" / "cosell" / "locales"
TEMPLATES = ROOT / "src" / "cosell" / "web" / "templates"
TRANSLATED = ("nl", "sv", "fr")
#: The keywords of `make catalogs` (`-k N_ -k Msg`).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Msg": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _key(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, (list, tuple)) else message.id)


def extracted() -> dict[str, Message]:
    """What `pybabel extract -F babel.cfg … src` finds now, by msgid."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog()
    for _file, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "src"), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [("", lineno)], auto_comments=comments, context=context)
    return {_key(m): m for m in catalog if m.id}


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def found() -> dict[str, Message]:
    messages = extracted()
    assert len(messages) > 100, "the extraction found (almost) nothing: is babel.cfg right?"
    return messages


def test_the_template_is_up_to_date(found):
    template = {_key(m): m.id for m in read(LOCALES / "messages.pot") if m.id}
    missing = sorted(set(found) - set(template))
    stale = sorted(set(template) - set(found))
    assert (missing, stale) == ([], []), "run `make catalogs`"
    for key, message in found.items():
        assert template[key] == message.id, key  # the same plural form too


def _names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _texts(value: object) -> list[str]:
    """A message's id or string as its forms (one, or one per plural form)."""
    if isinstance(value, (list, tuple)):
        return [str(v or "") for v in value]
    return [str(value or "")]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_string_is_translated_with_the_same_placeholders(found, locale):
    catalog = read(LOCALES / locale / "LC_MESSAGES" / "messages.po", locale)
    problems: list[str] = []
    for key, source in found.items():
        message = catalog.get(_texts(source.id)[0])
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        forms = _texts(message.string)
        if not all(forms):
            problems.append(f"not translated: {key!r}")
            continue
        given = set().union(*(_names(text) for text in _texts(source.id)))
        used = set().union(*(_names(form) for form in forms))
        if used != given or any(not _names(form) <= given for form in forms):
            problems.append(f"placeholders {sorted(used)} instead of {sorted(given)}: {key!r}")
        for form in forms:
            try:
                form % dict.fromkeys(given, "x")
            except (KeyError, ValueError, TypeError) as exc:
                problems.append(f"cannot be filled in ({exc}): {form!r}")
    assert problems == []


# ------------------------------------------------------------ templates
#: Words a page shows as they are in every language: names, codes and samples of codes.
ALLOWED = (
    "Swagger UI",
    "cosell",
    "Microsoft",
    "XLSX",
    "CSV",
    "SOL-1234-PQRS",
    "US, NL",
    "USD, EUR",
    "name@example.com",
)
#: Attributes whose values people read (or hear).
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "label")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: Blocks that fill in a class name, not text (`{% block main_class %}page narrow{% … %}`).
_CLASS_BLOCK = re.compile(r"\{% block \w+_class %\}.*?\{% endblock %\}", re.DOTALL)
_LETTER = re.compile(r"[^\W\d_]")
#: Text that is only attributes, written by a macro into the tag that calls it.
_ATTRIBUTES_ONLY = re.compile(r'\s*(?:[\w-]+="[^"]*"\s*)+')
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def _check(self, text: str) -> None:
        rest = text
        for word in ALLOWED:
            rest = rest.replace(word, "")
        if _LETTER.search(rest):
            self.found.append(" ".join(text.split()))

    def handle_data(self, data: str) -> None:
        if not _ATTRIBUTES_ONLY.fullmatch(data):
            self._check(data)
            return
        for name, value in _ATTRIBUTE.findall(data):
            if name in READ_ATTRIBUTES:
                self._check(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._check(value)


def untranslated_text(source: str) -> list[str]:
    """The visible text of a template that is not made by Jinja (`{{ … }}`, `{% … %}`)."""
    parser = _Text()
    parser.feed(_JINJA.sub(" ", _CLASS_BLOCK.sub(" ", source)))
    parser.close()
    return parser.found


def test_the_scan_finds_a_hard_coded_string():
    assert untranslated_text('<p class="x">Hello {{ name }}</p>') == ["Hello"]
    assert untranslated_text('<a title="Close">{{ _("Close") }}</a>') == ["Close"]
    assert untranslated_text('<p>{{ _("Hello") }} · cosell</p><b>{% if x %}42{% endif %}</b>') == []
    assert untranslated_text('{% macro m() %} aria-invalid="true"{% endmacro %}') == []
    assert untranslated_text('{% macro m() %} title="Close"{% endmacro %}') == ["Close"]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_text_outside_the_catalogs(template):
    assert untranslated_text((TEMPLATES / template).read_text(encoding="utf-8")) == []
