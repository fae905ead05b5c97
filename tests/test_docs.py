"""The documentation in the repository matches the code: every setting is in the README's
Settings table, and every section of docs/rules.md that the code cites exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from cosell.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RULES = ROOT / "docs" / "rules.md"
#: Where the code and its comments live.
SOURCES = ("src", "tests", "bench", "scripts")

#: Settings deliberately left out of the README: testing aids, not for operators.
UNDOCUMENTED: set[str] = set()

# Spelled in two parts so that rewriting the references in the code leaves this file alone.
_OLD = "SPEC" + " §"
_NEW = "rules" + " §"
#: A cited section or range of sections after a reference: `§2.1`, `§1.3–1.5`, `§3`.
_SECTION = re.compile(r"§(\d+)(?:\.(\d+))?(?:[–-](?:(\d+)\.)?(\d+))?")
_HEADING = re.compile(r"^#{1,6} +(\d+(?:\.\d+)?)\s", re.MULTILINE)
#: Mentions of design documents kept outside the repository.
_OUTSIDE = re.compile(r"\bSPEC\b|\bARCHITECTURE\b|\.\./shared/")


def _source_lines() -> Iterator[tuple[str, str]]:
    """(file:line, text) of every line of the repository's Python and shell files."""
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".sh") or path == Path(__file__).resolve():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield f"{path.relative_to(ROOT)}:{number}", line


def cited_sections(line: str, marker: str) -> list[str]:
    """The section numbers a line cites after `marker`; a range such as `§1.3–1.5` cites
    each section in it, and a later `§N` of the same line (`§2.4, §4`) counts too."""
    at = line.find(marker)
    if at < 0:
        return []
    found: list[str] = []
    for major, minor, end_major, end_minor in _SECTION.findall(line[at:]):
        if not minor:
            found.append(major)
        elif end_minor and end_major in ("", major):
            found += [f"{major}.{n}" for n in range(int(minor), int(end_minor) + 1)]
        else:
            found.append(f"{major}.{minor}")
            if end_minor:
                found.append(f"{end_major}.{end_minor}")
    return found


def test_a_range_of_sections_cites_each_one() -> None:
    line = "Creating (" + _NEW + "1.3–1.5, §5.2) and " + _NEW + "3"
    assert cited_sections(line, _NEW) == ["1.3", "1.4", "1.5", "5.2", "3"]
    assert cited_sections("issue 6 §1", _NEW) == []


def test_every_cited_section_of_the_rules_exists() -> None:
    headings = set(_HEADING.findall(RULES.read_text(encoding="utf-8")))
    missing = [
        f"{where}: §{number}"
        for where, line in _source_lines()
        for marker in (_OLD, _NEW)
        for number in cited_sections(line, marker)
        if number not in headings
    ]
    assert not missing, "docs/rules.md has no section for:\n" + "\n".join(missing)


def test_the_code_cites_the_rules_in_the_repository() -> None:
    """Comments cite `rules §N` (docs/rules.md), not the design document outside."""
    left = [f"{where}: {line.strip()}" for where, line in _source_lines() if _OLD in line]
    assert not left, "\n".join(left)


def test_nothing_names_a_document_outside_the_repository() -> None:
    left = [
        f"{where}: {line.strip()}"
        for where, line in _source_lines()
        if _OLD not in line and _OUTSIDE.search(line)
    ]
    for path in (README, *sorted((ROOT / "docs").glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        left += [f"{path.name}: {m.group()}" for m in _OUTSIDE.finditer(text)]
    assert not left, "\n".join(left)


def _readme_settings() -> set[str]:
    """The settings the README's Settings table lists, as `Settings` field names."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return {
        name.lower() for name in re.findall(r"^\| `COSELL_([A-Z0-9_]+)`", section, re.MULTILINE)
    }


def test_every_setting_is_in_the_readme() -> None:
    fields = set(Settings.model_fields)
    documented = _readme_settings()
    assert fields - UNDOCUMENTED <= documented, sorted(fields - UNDOCUMENTED - documented)
    assert documented <= fields, f"not settings: {sorted(documented - fields)}"
