"""The header registry: resolving, mapping and writing headers (rules §2.1, §2.4)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosell.domain import headers as registry
from cosell.domain.fields import MAX_GROUP_ITEMS, Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.headers import (
    IGNORED,
    LANGUAGES,
    ColumnKey,
    column_letter,
    header_score,
    map_columns,
    normalize_header,
    resolve_header,
)
from cosell.errors import FileRejected, UsageError

#: The header column of each seed article's field table, copied from the seeds.
SEED_HEADERS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "seed_headers.json").read_text("utf-8")
)
REFERENCE: dict[str, dict[str, list[dict[str, str]]]] = json.loads(
    resources.files("cosell").joinpath("data/localized_headers.json").read_text("utf-8")
)
FIELD_VALUES = {f.value: f for f in Field}
GROUP_KEYS = {g.header(1): g for g in Group}


def key(field: Field) -> ColumnKey:
    return ColumnKey(field=field)


def solution(n: int) -> ColumnKey:
    return ColumnKey(group=Group.SOLUTION, number=n)


def member(n: int) -> ColumnKey:
    return ColumnKey(group=Group.TEAM_MEMBER, number=n)


def expected_meaning(reference_key: str) -> ColumnKey | str:
    if reference_key in FIELD_VALUES:
        return key(FIELD_VALUES[reference_key])
    if reference_key in GROUP_KEYS:
        return ColumnKey(group=GROUP_KEYS[reference_key], number=1)
    return IGNORED


def ambiguous_aliases() -> set[str]:
    """Aliases the translations give to two columns, computed independently of the module."""
    meanings: defaultdict[str, set[str]] = defaultdict(set)
    for reference_key, by_locale in REFERENCE.items():
        for entries in by_locale.values():
            for entry in entries:
                meanings[normalize_header(entry["header"])].add(reference_key)
    return {text for text, keys in meanings.items() if len(keys) > 1}


AMBIGUOUS = ambiguous_aliases()
REFERENCE_CASES = [
    pytest.param(reference_key, entry["header"], id=f"{locale}:{entry['header']}")
    for reference_key, by_locale in REFERENCE.items()
    for locale, entries in by_locale.items()
    for entry in entries
    if normalize_header(entry["header"]) not in AMBIGUOUS
]


# ---------------------------------------------------------------------------
# The reference data


def test_languages_are_the_reference_locales() -> None:
    locales = {locale for by_locale in REFERENCE.values() for locale in by_locale}
    assert set(LANGUAGES) == locales
    assert len(LANGUAGES) == 17


@pytest.mark.parametrize(("reference_key", "header"), REFERENCE_CASES)
def test_every_reference_header_resolves_to_its_column(reference_key: str, header: str) -> None:
    assert resolve_header(header) == expected_meaning(reference_key)


@pytest.mark.parametrize("reference_key", list(REFERENCE))
def test_every_reference_key_resolves(reference_key: str) -> None:
    assert resolve_header(reference_key) == expected_meaning(reference_key)


def test_the_only_ambiguous_alias_is_the_turkish_contact_name() -> None:
    ambiguous = ambiguous_aliases()
    assert ambiguous == {normalize_header("Müşterinin kişi adı soyadı")}


def test_ambiguous_turkish_alias_is_not_accepted() -> None:
    assert resolve_header("Müşterinin kişi adı soyadı") is None
    assert resolve_header("Müşteri Kişisi Adı") == key(Field.CONTACT_FIRST_NAME)
    assert resolve_header("Müşteri Kişisi Soyadı") == key(Field.CONTACT_LAST_NAME)


def test_english_header_used_by_a_locale_is_the_same_field() -> None:
    # pl-pl, tr-tr, cs-cz and hu-hu list "Customer City" as a translation.
    assert resolve_header("Customer City") == key(Field.CITY)
    assert normalize_header("Customer City") not in registry._registry().ambiguous


def test_english_wins_over_a_localized_alias_and_two_localized_meanings_cancel() -> None:
    aliases: registry._Aliases[ColumnKey | registry.Ignored] = registry._Aliases()
    aliases.add("notes", key(Field.NOTES), english=True)
    aliases.add("notes", key(Field.NOTES_TO_MS), english=False)
    aliases.add("x", key(Field.CITY), english=False)
    aliases.add("x", key(Field.STATE), english=False)
    aliases.add("y", key(Field.CITY), english=False)
    aliases.add("y", key(Field.CITY), english=False)
    accepted, ambiguous = aliases.settle()
    assert accepted == {"notes": key(Field.NOTES), "y": key(Field.CITY)}
    assert ambiguous == {"x": ("Customer City", "Customer State")}


def test_newest_variant_first_and_a_tie_goes_to_the_later_entry() -> None:
    entries = [
        {"header": "old", "first_seen": "2021-01-01", "last_seen": "2021-03-01"},
        {"header": "tie-first", "first_seen": "2021-01-01", "last_seen": "2021-09-27"},
        {"header": "tie-later", "first_seen": "2021-01-01", "last_seen": "2021-09-27"},
        {"header": "middle", "first_seen": "2021-01-01", "last_seen": "2021-05-20"},
    ]
    assert registry._newest_first(entries) == ["tie-later", "tie-first", "middle", "old"]


# ---------------------------------------------------------------------------
# English headers and normalization


@pytest.mark.parametrize("field", list(Field))
def test_canonical_headers_resolve(field: Field) -> None:
    assert resolve_header(field.value) == key(field)
    assert resolve_header(field.value.upper()) == key(field)
    assert resolve_header(f"  {field.value.lower()}  ") == key(field)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Declined/Lost/Error reason", Field.REASON),
        ("Decline/Lost/Error reason", Field.REASON),
        ("Declined/Lost/Error Reason", Field.REASON),
        ("Customer Postal code", Field.POSTAL_CODE),
        ("Customer D-U-N-S id", Field.DUNS),
    ],
)
def test_later_partner_center_spellings(header: str, field: Field) -> None:
    assert resolve_header(header) == key(field)


@pytest.mark.parametrize(
    "header",
    [
        "Marketplace Purchase Intent",
        "Customer Domain Name",
        "PartnerID",
        "MPN ID",
        "PartnerID / MPN ID",
        "CLA Number",
        "Device Category",
        "Silicon Type",
        "Azure Certified Device",
        "Attach Services",
        "Microsoft MSX ID",
        "Migrated PSC Deal ID",
        "Microsoft team member 1",
        "Microsoft team member 12",
        "Microsoft-teamlid 3",
        "Final Matched Customer Account",
        "Managed/Unmanaged/DUNS account",
        "Managed account",
        "Unmanaged account",
        "DUNS account",
        "Import Result",
    ],
)
def test_later_template_columns_are_known_and_ignored(header: str) -> None:
    assert resolve_header(header) == IGNORED


@pytest.mark.parametrize(
    "header",
    [
        "Aide Microsoft requise ?",
        "Aide Microsoft requise\u202f?",
        "Aide Microsoft requise\u00a0?",
        "Aide Microsoft requise?",
        "aide  microsoft\trequise ?",
        "Aide Microsoft requise",
    ],
)
def test_french_question_mark_spacing(header: str) -> None:
    assert resolve_header(header) == key(Field.HELP_REQUIRED)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("\ufeffErrors", key(Field.ERRORS)),
        ("\ufeffDeal Name", key(Field.DEAL_NAME)),
        ("Deal\u00a0Name", key(Field.DEAL_NAME)),
        ("Deal\u2009\u2009Name", key(Field.DEAL_NAME)),
        ("Deal\nName", key(Field.DEAL_NAME)),
        ("Deal \u200bName\u200e", key(Field.DEAL_NAME)),
        ("Notes\u200b to Microsoft", key(Field.NOTES_TO_MS)),
        ("Ｄｅａｌ Ｎａｍｅ", key(Field.DEAL_NAME)),
        ("Microsoft help required ?", key(Field.HELP_REQUIRED)),
        ("Microsoft help required？", key(Field.HELP_REQUIRED)),
        ("Consent to share Customer / Partner contact", key(Field.CONSENT)),
        ("Partager avec l'équipe de vente Microsoft", key(Field.SHARE_WITH_MS)),
        ("Partager avec l‘équipe de vente Microsoft", key(Field.SHARE_WITH_MS)),
        ("Membre de l'équipe 4", member(4)),
        ("Ügyfél - D-U-N-S azonosító", key(Field.DUNS)),
        ("KATILIM KİMLİĞİ", key(Field.ENGAGEMENT_ID)),
        ("KATILIM KIMLIĞI", key(Field.ENGAGEMENT_ID)),
        ("katılım kimliği", key(Field.ENGAGEMENT_ID)),
        ("Deal Name *", key(Field.DEAL_NAME)),
    ],
)
def test_normalization(header: str, expected: ColumnKey | None) -> None:
    assert resolve_header(header) == expected


def test_normalize_header_contract() -> None:
    assert normalize_header("\ufeff  Aide  Microsoft\u202frequise\u00a0? ") == (
        "aide microsoft requise"
    )
    assert normalize_header("Partager avec l’équipe") == "partager avec l'équipe"
    assert normalize_header("Ügyfél – D—U") == "ügyfél - d-u"


# ---------------------------------------------------------------------------
# Numbered groups


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Solution 1", solution(1)),
        ("Solution 12", solution(12)),
        ("solution 50", solution(50)),
        ("Solution2", solution(2)),
        ("Solution 07", solution(7)),
        ("Team member 1", member(1)),
        ("TEAM MEMBER 3", member(3)),
        ("Oplossing 2", solution(2)),
        ("Teamlid 3", member(3)),
        ("Team lid 4", member(4)),
        ("Lösung 2", solution(2)),
        ("Teammitglied 9", member(9)),
        ("2. megoldás", solution(2)),
        ("2. csapattag", member(2)),
        ("12. csapat tagja", member(12)),
        ("2. Çözüm", solution(2)),
        ("Çözüm 3", solution(3)),
        ("团队成员2", member(2)),
        ("チームメンバー2", member(2)),
        ("チーム メンバー 5", member(5)),
        ("解決策 4", solution(4)),
        ("Membro da equipa 8", member(8)),
        ("Lösning 6", solution(6)),
    ],
)
def test_numbered_headers(header: str, expected: ColumnKey) -> None:
    assert resolve_header(header) == expected


@pytest.mark.parametrize("number", [2, 9, 10, 37, 50])
@pytest.mark.parametrize(
    ("reference_key", "header"),
    [
        pytest.param(reference_key, entry["header"], id=f"{locale}:{entry['header']}")
        for reference_key in ("Solution 1", "Team member 1")
        for locale, entries in REFERENCE[reference_key].items()
        for entry in entries
    ],
)
def test_numbered_forms_work_for_any_number_in_every_locale(
    reference_key: str, header: str, number: int
) -> None:
    expected = ColumnKey(group=GROUP_KEYS[reference_key], number=number)
    assert resolve_header(header.replace("1", str(number))) == expected


@pytest.mark.parametrize(
    "header",
    ["Foo", "", "   ", "Solution", "Customer Address Line 3", "Solution 1 2", "x" * 5000],
)
def test_unknown_headers(header: str) -> None:
    assert resolve_header(header) is None


@given(st.text(max_size=40))
def test_resolve_header_never_raises(text: str) -> None:
    resolve_header(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"field": Field.CITY, "number": 1},
        {"group": Group.SOLUTION},
        {"number": 2},
        {"field": Field.CITY, "group": Group.SOLUTION, "number": 1},
    ],
)
def test_column_key_is_a_field_or_a_numbered_group(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ColumnKey(**kwargs)  # type: ignore[arg-type]


def test_column_key_label() -> None:
    assert key(Field.DEAL_NAME).label == "Deal Name"
    assert member(7).label == "Team member 7"


def test_header_score_counts_fields_and_groups_only() -> None:
    assert header_score(["Deal Name", "Dealnaam", "Solution 3", "Silicon Type", "Foo", ""]) == 3
    assert header_score(["Deal Name;Customer Name;Customer City"]) == 0
    assert header_score([]) == 0


# ---------------------------------------------------------------------------
# map_columns


def test_map_columns_maps_fields_and_groups() -> None:
    headers = ["Referral ID", "Deal Name", "Solution 2", "Team member 1", "Solution 1", "Notes"]
    result = map_columns(headers)
    assert result.fields == {Field.REFERRAL_ID: 0, Field.DEAL_NAME: 1, Field.NOTES: 5}
    assert result.solutions == {2: 2, 1: 4}
    assert result.team_members == {1: 3}
    assert result.columns == [
        key(Field.REFERRAL_ID),
        key(Field.DEAL_NAME),
        solution(2),
        member(1),
        solution(1),
        key(Field.NOTES),
    ]
    assert result.warnings == []


def test_map_columns_full_canonical_header_row() -> None:
    headers = [f.value for f in Field] + ["Solution 1", "Team member 1"]
    result = map_columns(headers)
    assert list(result.fields) == list(Field)
    assert result.warnings == []


def test_two_columns_for_one_field_reject_the_file() -> None:
    with pytest.raises(FileRejected) as raised:
        map_columns(["Deal Name", "Customer Name", "Notes", "Dealnaam"])
    assert raised.value.message == (
        'Columns "Deal Name" (A) and "Dealnaam" (D) both mean Deal Name; keep one'
    )


def test_two_columns_for_one_group_number_reject_the_file() -> None:
    with pytest.raises(FileRejected, match=r'"Solution 2" \(A\) and "Oplossing 2" \(B\)'):
        map_columns(["Solution 2", "Oplossing 2"])


def test_same_header_twice_rejects_the_file() -> None:
    with pytest.raises(FileRejected, match="both mean Notes"):
        map_columns(["Notes", "Deal Name", "notes "])


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Solution 51", 'Column "Solution 51": at most 50 solutions per deal'),
        ("Team member 51", 'Column "Team member 51": at most 50 team members per deal'),
        ("Oplossing 99", 'Column "Oplossing 99": at most 50 solutions per deal'),
        ("Solution 0", 'Column "Solution 0": solutions are numbered from 1'),
        ("Team member 00", 'Column "Team member 00": team members are numbered from 1'),
        ("Solution 99999999999999", "at most 50 solutions per deal"),
    ],
)
def test_group_number_out_of_range_rejects_the_file(header: str, message: str) -> None:
    with pytest.raises(FileRejected, match=re.escape(message)):
        map_columns(["Deal Name", header])


def test_max_items_is_a_parameter() -> None:
    assert map_columns(["Solution 3"], max_items=3).solutions == {3: 0}
    with pytest.raises(FileRejected, match="at most 3 solutions per deal"):
        map_columns(["Solution 4"], max_items=3)
    assert map_columns([f"Solution {MAX_GROUP_ITEMS}"]).solutions == {MAX_GROUP_ITEMS: 0}


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(FileRejected) as raised:
        map_columns(["Deal Name", "Dealnaam", "Solution 51"])
    assert "both mean Deal Name" in raised.value.message
    assert "at most 50 solutions" in raised.value.message


@pytest.mark.parametrize(
    "headers",
    [[], [""], ["Foo", "Bar"], ["Silicon Type", "CLA Number"], ["Deal Name;Customer Name"]],
)
def test_no_known_header_rejects_the_file(headers: list[str]) -> None:
    with pytest.raises(FileRejected) as raised:
        map_columns(headers)
    assert "expected a header row with columns such as Deal Name, Customer Name" in (
        raised.value.message
    )


def test_ignored_and_unknown_columns_are_warnings() -> None:
    result = map_columns(["Deal Name", "Silicon Type", "Foo", "", "Import Result"])
    assert result.columns == [key(Field.DEAL_NAME), None, None, None, None]
    assert result.warnings == [
        'Column "Silicon Type" is not used by this version and was ignored',
        'Unknown column "Foo" was ignored',
    ]


def test_ambiguous_alias_is_ignored_with_a_warning() -> None:
    result = map_columns(["Anlaşma adı", "Müşterinin kişi adı soyadı"])
    assert result.fields == {Field.DEAL_NAME: 0}
    assert result.columns[1] is None
    assert result.warnings == [
        'Column "Müşterinin kişi adı soyadı" could mean Customer Contact First Name or '
        "Customer Contact Last Name and was ignored; use the English header"
    ]


def test_many_unknown_columns_are_summarized() -> None:
    result = map_columns(["Deal Name", *(f"Extra {i}" for i in range(25))])
    assert len(result.warnings) == 21
    assert result.warnings[0] == 'Unknown column "Extra 0" was ignored'
    assert result.warnings[-1] == "5 more unknown columns were ignored"


def test_long_header_is_shortened_in_messages() -> None:
    result = map_columns(["Deal Name", "y" * 10_000])
    assert len(result.warnings[0]) < 100


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (3, "D"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters


# ---------------------------------------------------------------------------
# Seed documents: the headers the translated articles show


def seed_headers(prefix: str) -> list[str]:
    """The first column of the field table of a seed (`000` Dutch, `002` Swedish, `003`
    French), exactly as the article writes it (copied into tests/fixtures)."""
    headers: list[str] = SEED_HEADERS[prefix]["headers"]
    return headers


@pytest.mark.parametrize("prefix", ["000", "002", "003"], ids=["nl", "sv", "fr"])
def test_seed_table_headers_all_resolve(prefix: str) -> None:
    found = seed_headers(prefix)
    meanings = [resolve_header(header) for header in found]
    assert all(isinstance(m, ColumnKey) for m in meanings), list(zip(found, meanings, strict=True))
    assert set(meanings) == {key(f) for f in Field} | {solution(1), member(1)}
    assert map_columns(found).warnings == []


def test_seed_headers_include_the_french_no_break_space() -> None:
    assert "Aide Microsoft requise\u00a0?" in seed_headers("003")


# ---------------------------------------------------------------------------
# Writing headers


def test_english_headers_by_default() -> None:
    names = headers_for()
    assert names.locale is None
    assert all(names.field(f) == f.value for f in Field)
    assert names.group(Group.SOLUTION, 3) == "Solution 3"
    assert names.group(Group.TEAM_MEMBER, 12) == "Team member 12"
    assert names.header(solution(2)) == "Solution 2"
    assert names.header(key(Field.DEAL_NAME)) == "Deal Name"
    assert headers_for("en") == names
    assert headers_for("EN-us") == names


@pytest.mark.parametrize("locale", LANGUAGES)
def test_written_headers_round_trip_in_every_locale(locale: str) -> None:
    names = headers_for(locale)
    assert names.locale == locale
    for field in Field:
        assert resolve_header(names.field(field)) == key(field), names.field(field)
    for number in range(1, MAX_GROUP_ITEMS + 1):
        assert resolve_header(names.group(Group.SOLUTION, number)) == solution(number)
        assert resolve_header(names.group(Group.TEAM_MEMBER, number)) == member(number)
    row = [names.field(f) for f in Field] + [
        names.group(g, n) for g in Group for n in range(1, MAX_GROUP_ITEMS + 1)
    ]
    result = map_columns(row)
    assert result.warnings == []
    assert len(result.fields) == len(Field)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_written_headers_are_translations(locale: str) -> None:
    names = headers_for(locale)
    for field in Field:
        translations = [e["header"] for e in REFERENCE[field.value][locale]]
        assert names.field(field) in translations


@pytest.mark.parametrize(
    ("lang", "field", "header"),
    [
        ("nl-nl", Field.DEAL_NAME, "Dealnaam"),
        ("nl-nl", Field.CONTACT_LAST_NAME, "Achternaam klantcontact"),
        ("sv-se", Field.CITY, "Kundstad"),
        ("fr-fr", Field.HELP_REQUIRED, "Aide Microsoft requise ?"),
        ("de-de", Field.DEAL_NAME, "DealName"),
        ("tr-tr", Field.ENGAGEMENT_ID, "Katılım KIMLIĞI"),
    ],
)
def test_newest_variant_is_written(lang: str, field: Field, header: str) -> None:
    assert headers_for(lang).field(field) == header


def test_ambiguous_newest_variant_falls_back_to_an_older_one() -> None:
    names = headers_for("tr-tr")
    assert names.field(Field.CONTACT_FIRST_NAME) == "Müşteri Kişisi Adı"
    assert names.field(Field.CONTACT_LAST_NAME) == "Müşteri Kişisi Soyadı"


@pytest.mark.parametrize(
    ("lang", "group", "number", "header"),
    [
        ("hu-hu", Group.SOLUTION, 2, "2. megoldás"),
        ("hu-hu", Group.TEAM_MEMBER, 3, "3. csapattag"),
        ("tr-tr", Group.SOLUTION, 2, "2. Çözüm"),
        ("zh-cn", Group.TEAM_MEMBER, 2, "团队成员2"),
        ("nl-nl", Group.SOLUTION, 2, "Oplossing 2"),
        ("nl-nl", Group.TEAM_MEMBER, 3, "Teamlid 3"),
        ("de-de", Group.SOLUTION, 2, "Lösung 2"),
        ("ja-jp", Group.TEAM_MEMBER, 4, "チーム メンバー 4"),
    ],
)
def test_numbered_headers_in_the_language_pattern(
    lang: str, group: Group, number: int, header: str
) -> None:
    assert headers_for(lang).group(group, number) == header


@pytest.mark.parametrize(
    ("lang", "locale"),
    [
        ("nl", "nl-nl"),
        ("SV", "sv-se"),
        ("fr", "fr-fr"),
        ("de", "de-de"),
        ("hu", "hu-hu"),
        ("NL-NL", "nl-nl"),
        ("pt_BR", "pt-br"),
        (" zh-TW ", "zh-tw"),
    ],
)
def test_language_names(lang: str, locale: str) -> None:
    assert headers_for(lang).locale == locale


@pytest.mark.parametrize(("lang", "choices"), [("pt", "pt-br or pt-pt"), ("zh", "zh-cn or zh-tw")])
def test_ambiguous_bare_language_is_a_usage_error(lang: str, choices: str) -> None:
    with pytest.raises(UsageError, match=f'Language "{lang}" is ambiguous: use {choices}'):
        headers_for(lang)


@pytest.mark.parametrize("lang", ["xx", "nl-be", "english", "klingon"])
def test_unknown_language_lists_the_valid_ones(lang: str) -> None:
    with pytest.raises(UsageError) as raised:
        headers_for(lang)
    assert f'Unknown language "{lang}"' in raised.value.message
    assert all(locale in raised.value.message for locale in LANGUAGES)
