"""Statuses, substatuses, yes/no and sales stages in Dutch, Swedish and French:
the labels export writes (`value_names.labels_for`) and the names import accepts."""

from __future__ import annotations

import unicodedata

import pytest

from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.enums import SALES_STAGES, MicrosoftStatus, Status, Substatus
from cosell.domain.value_names import ValueLabels, labels_for

LANGS = [None, "en", "nl", "sv", "fr"]
ENUMS: list[type[Status] | type[Substatus] | type[MicrosoftStatus]] = [
    Status,
    Substatus,
    MicrosoftStatus,
]


def label(labels: ValueLabels, member: Status | Substatus | MicrosoftStatus) -> str:
    if isinstance(member, Status):
        return labels.status(member)
    if isinstance(member, Substatus):
        return labels.substatus(member)
    return labels.ms_status(member)


# ---------------------------------------------------------------------------
# labels_for


@pytest.mark.parametrize("lang", [None, "", "en", "en-us", "de", "de-DE", "nl-be", "xx", "dutch"])
def test_other_languages_get_english_labels(lang: str | None) -> None:
    labels = labels_for(lang)
    assert labels.lang == "en"
    assert labels.status(Status.ACTIVE) == "Active"
    assert labels.substatus(Substatus.ACCEPTED) == "Accepted"
    assert labels.ms_status(MicrosoftStatus.PENDING) == "Pending"
    assert (labels.yes_no(True), labels.yes_no(False)) == ("Yes", "No")
    assert [labels.sales_stage_name(stage) for stage in SALES_STAGES] == list(SALES_STAGES.values())


@pytest.mark.parametrize(
    ("lang", "key"),
    [
        ("nl", "nl"),
        ("NL", "nl"),
        ("nl-nl", "nl"),
        ("nl-NL", "nl"),
        ("sv", "sv"),
        ("sv-SE", "sv"),
        ("SV-se", "sv"),
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("Fr-Fr", "fr"),
    ],
)
def test_locale_keys(lang: str, key: str) -> None:
    assert labels_for(lang).lang == key


def test_dutch_labels_are_the_seed_words() -> None:
    labels = labels_for("nl-NL")
    assert labels.status(Status.NEW) == "Nieuw"
    assert labels.status(Status.ACTIVE) == "Actief"
    assert labels.substatus(Substatus.ACCEPTED) == "Geaccepteerd"
    declined_expired_won_lost = [
        labels.substatus(member)
        for member in (Substatus.DECLINED, Substatus.EXPIRED, Substatus.WON, Substatus.LOST)
    ]
    assert declined_expired_won_lost == ["Geweigerd", "Verlopen", "Gewonnen", "Verloren"]
    assert labels.ms_status(MicrosoftStatus.PENDING) == "In behandeling"
    assert (labels.yes_no(True), labels.yes_no(False)) == ("Ja", "Nee")


def test_swedish_labels_are_the_seed_words() -> None:
    labels = labels_for("sv-SE")
    assert labels.status(Status.NEW) == "Ny"
    assert labels.status(Status.ACTIVE) == "Aktiv"
    assert labels.substatus(Substatus.ACCEPTED) == "Accepterad"
    assert labels.substatus(Substatus.DECLINED) == "Nekad"
    assert labels.substatus(Substatus.LOST) == "Förlorad"
    assert labels.ms_status(MicrosoftStatus.PENDING) == "Väntar"
    assert (labels.yes_no(True), labels.yes_no(False)) == ("Ja", "Nej")


def test_french_labels_are_the_seed_words() -> None:
    labels = labels_for("fr-FR")
    assert labels.status(Status.NEW) == "Nouveau"
    assert labels.status(Status.ACTIVE) == "Actif"
    assert labels.substatus(Substatus.ACCEPTED) == "Accepté"
    terminal = [
        labels.substatus(member)
        for member in (Substatus.DECLINED, Substatus.EXPIRED, Substatus.WON, Substatus.LOST)
    ]
    assert terminal == ["Refusé", "Expiré", "Gagné", "Perdu"]
    assert (labels.yes_no(True), labels.yes_no(False)) == ("Oui", "Non")


@pytest.mark.parametrize("lang", ["nl", "sv", "fr"])
def test_every_value_has_a_translation(lang: str) -> None:
    labels, english = labels_for(lang), labels_for(None)
    for enum_cls in ENUMS:
        for member in enum_cls:
            assert label(labels, member) != label(english, member)
    for stage in SALES_STAGES:
        assert labels.sales_stage_name(stage) != english.sales_stage_name(stage)


# ---------------------------------------------------------------------------
# Every label reads back as its own value


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("enum_cls", ENUMS)
def test_every_label_parses_back_to_its_own_member(
    lang: str | None, enum_cls: type[Status] | type[Substatus] | type[MicrosoftStatus]
) -> None:
    labels = labels_for(lang)
    names = [label(labels, member) for member in enum_cls]
    assert len(set(names)) == len(names)
    for member in enum_cls:
        text = label(labels, member)
        assert cells.parse_enum(text, enum_cls) is member
        assert cells.parse_enum(text.upper(), enum_cls) is member
        assert cells.parse_enum(f" {text.lower()} ", enum_cls) is member


def test_labels_of_all_languages_never_collide() -> None:
    # A word of one language must not be another member's word in another language.
    for enum_cls in ENUMS:
        owners: dict[str, set[object]] = {}
        for lang in LANGS:
            for member in enum_cls:
                owners.setdefault(label(labels_for(lang), member).casefold(), set()).add(member)
        for text, members in owners.items():
            assert len(members) == 1, (enum_cls, text, members)
            assert cells.parse_enum(text, enum_cls) in members


@pytest.mark.parametrize("lang", LANGS)
def test_yes_no_labels_parse_back(lang: str | None) -> None:
    labels = labels_for(lang)
    for value in (True, False):
        assert cells.parse_yes_no(labels.yes_no(value)) is value
        assert cells.parse_yes_no(labels.yes_no(value).upper()) is value


@pytest.mark.parametrize("lang", LANGS)
def test_sales_stage_names_parse_back(lang: str | None) -> None:
    labels = labels_for(lang)
    names = [labels.sales_stage_name(stage) for stage in SALES_STAGES]
    assert len(set(names)) == len(names)
    for stage in SALES_STAGES:
        name = labels.sales_stage_name(stage)
        assert cells.parse_sales_stage(name) == stage
        assert cells.parse_sales_stage(name.upper()) == stage
        for part in name.split("/"):
            assert cells.parse_sales_stage(part) == stage


def test_unknown_sales_stage_number_has_no_name() -> None:
    with pytest.raises(KeyError):
        labels_for("nl").sales_stage_name(30)


# ---------------------------------------------------------------------------
# Words from the seeds and their variants


@pytest.mark.parametrize(
    ("text", "enum_cls", "expected"),
    [
        # Dutch
        ("Nieuw", Status, Status.NEW),
        ("actief", Status, Status.ACTIVE),
        ("Gesloten", Status, Status.CLOSED),
        ("In behandeling", Substatus, Substatus.PENDING),
        ("Ontvangen", Substatus, Substatus.RECEIVED),
        ("Geaccepteerd", Substatus, Substatus.ACCEPTED),
        ("Gewonnen", Substatus, Substatus.WON),
        ("Verloren", Substatus, Substatus.LOST),
        ("Geweigerd", Substatus, Substatus.DECLINED),
        ("Afgewezen", Substatus, Substatus.DECLINED),
        ("Verlopen", Substatus, Substatus.EXPIRED),
        ("Fout", Substatus, Substatus.ERROR),
        ("In behandeling", MicrosoftStatus, MicrosoftStatus.PENDING),
        ("verlopen", MicrosoftStatus, MicrosoftStatus.EXPIRED),
        # Swedish
        ("Ny", Status, Status.NEW),
        ("Aktiv", Status, Status.ACTIVE),
        ("Stängd", Status, Status.CLOSED),
        ("Stangd", Status, Status.CLOSED),
        ("Väntar", Substatus, Substatus.PENDING),
        ("Mottagen", Substatus, Substatus.RECEIVED),
        ("Accepterad", Substatus, Substatus.ACCEPTED),
        ("Har godkänts", Substatus, Substatus.ACCEPTED),
        ("har godkants", Substatus, Substatus.ACCEPTED),
        ("Nekad", Substatus, Substatus.DECLINED),
        ("Nekat", Substatus, Substatus.DECLINED),
        ("Upphört", Substatus, Substatus.EXPIRED),
        ("Upphörd", Substatus, Substatus.EXPIRED),
        ("Vunnet", Substatus, Substatus.WON),
        ("Förlorat", Substatus, Substatus.LOST),
        ("FORLORAD", Substatus, Substatus.LOST),
        ("Fel", Substatus, Substatus.ERROR),
        ("Väntar", MicrosoftStatus, MicrosoftStatus.PENDING),
        ("Har godkänts", MicrosoftStatus, MicrosoftStatus.ACCEPTED),
        # French
        ("Nouveau", Status, Status.NEW),
        ("nouveau", Status, Status.NEW),
        ("Actif", Status, Status.ACTIVE),
        ("Fermé", Status, Status.CLOSED),
        ("FERME", Status, Status.CLOSED),
        ("En attente", Substatus, Substatus.PENDING),
        ("Reçu", Substatus, Substatus.RECEIVED),
        ("recu", Substatus, Substatus.RECEIVED),
        ("accepté", Substatus, Substatus.ACCEPTED),
        ("ACCEPTÉ", Substatus, Substatus.ACCEPTED),
        ("Acceptée", Substatus, Substatus.ACCEPTED),
        ("Gagné", Substatus, Substatus.WON),
        ("gagne", Substatus, Substatus.WON),
        ("Perdu", Substatus, Substatus.LOST),
        ("refusé", Substatus, Substatus.DECLINED),
        ("expiré", Substatus, Substatus.EXPIRED),
        ("Erreur", Substatus, Substatus.ERROR),
        ("Pending", MicrosoftStatus, MicrosoftStatus.PENDING),
        ("En attente", MicrosoftStatus, MicrosoftStatus.PENDING),
        ("Perdu", MicrosoftStatus, MicrosoftStatus.LOST),
    ],
)
def test_translated_names(
    text: str,
    enum_cls: type[Status] | type[Substatus] | type[MicrosoftStatus],
    expected: Status | Substatus | MicrosoftStatus,
) -> None:
    assert cells.parse_enum(text, enum_cls) is expected


def test_decomposed_and_fullwidth_forms_are_read() -> None:
    assert cells.parse_enum(unicodedata.normalize("NFD", "Fermé"), Status) is Status.CLOSED
    assert cells.parse_enum(unicodedata.normalize("NFD", "Förlorad"), Substatus) is Substatus.LOST
    assert cells.parse_enum("ＡＣＴＩＦ", Status) is Status.ACTIVE


@pytest.mark.parametrize(
    ("text", "enum_cls"),
    [
        ("Ouvert", Status),
        ("Gewonnen", Status),
        ("Fout", MicrosoftStatus),
        ("Erreur", MicrosoftStatus),
        ("Ontvangen", MicrosoftStatus),
        ("Nieuw", Substatus),
        ("Verlore", Substatus),
    ],
)
def test_names_of_other_fields_are_still_errors(
    text: str, enum_cls: type[Status] | type[Substatus] | type[MicrosoftStatus]
) -> None:
    with pytest.raises(CellError) as raised:
        cells.parse_enum(text, enum_cls)
    assert str(raised.value).startswith("expected one of ")
    assert ";" not in str(raised.value)


def test_the_error_lists_the_english_values() -> None:
    with pytest.raises(CellError) as raised:
        cells.parse_enum("Ouvert", Status)
    assert str(raised.value) == "expected one of New, Active, Closed"


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Gemaakt", 10),
        ("Gekwalificeerd", 20),
        ("Ontwikkeld", 40),
        ("Voorgesteld", 60),
        ("Onderhandeld", 80),
        ("Gewonnen", 100),
        ("Skapad / Accepterad", 10),
        ("Kvalificerad", 20),
        ("Utvecklad", 40),
        ("Föreslagen", 60),
        ("Forhandlad", 80),
        ("Vunnen", 100),
        ("Créé/Accepté", 10),
        ("cree", 10),
        ("Qualifié", 20),
        ("Développé", 40),
        ("Proposé", 60),
        ("NÉGOCIÉ", 80),
        ("Gagné", 100),
    ],
)
def test_translated_sales_stages(text: str, stage: int) -> None:
    assert cells.parse_sales_stage(text) == stage


@pytest.mark.parametrize(("text", "value"), [("Oui", True), ("NON", False), ("Nej", False)])
def test_translated_yes_no(text: str, value: bool) -> None:
    assert cells.parse_yes_no(text) is value
