"""Statuses, substatuses, yes/no and sales stages as people write them in Dutch,
Swedish and French (SPEC §2.2).

Words come from the Dutch, Swedish and French editions of Partner Center's
article on bulk operations for co-sell opportunities, where it gives them.
Where it is silent, the word is our choice of the one Partner Center's own
screens would use for the value, and a comment says so.

`labels_for(lang)` gives the label export writes for each value in a language.
The `accepted_*` functions give every name import reads for a value: the labels
of all languages plus other forms the article or users write (grammatical
gender, the article's second word for the same value). The English names are
the enum values and `SALES_STAGES` and are not repeated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from cosell.domain.enums import SALES_STAGES, MicrosoftStatus, Status, Substatus

__all__ = [
    "ValueLabels",
    "accepted_enum_names",
    "accepted_stage_names",
    "accepted_yes_no",
    "labels_for",
]


@dataclass(frozen=True, slots=True, eq=False)
class ValueLabels:
    """The labels of one language; `lang` is `en`, `nl`, `sv` or `fr`."""

    lang: str
    statuses: Mapping[Status, str]
    substatuses: Mapping[Substatus, str]
    yes: str
    no: str
    stages: Mapping[int, str]

    def status(self, value: Status) -> str:
        return self.statuses[value]

    def substatus(self, value: Substatus) -> str:
        return self.substatuses[value]

    def ms_status(self, value: MicrosoftStatus) -> str:
        # Every Microsoft status is also a substatus, worded the same.
        return self.substatuses[Substatus[value.name]]

    def yes_no(self, value: bool) -> str:
        return self.yes if value else self.no

    def sales_stage_name(self, stage: int) -> str:
        """The name of stage 10, 20, 40, 60, 80 or 100; KeyError for another number."""
        return self.stages[stage]


_S = Substatus

ENGLISH: Final = ValueLabels(
    lang="en",
    statuses={status: status.value for status in Status},
    substatuses={substatus: substatus.value for substatus in Substatus},
    yes="Yes",
    no="No",
    stages=dict(SALES_STAGES),
)

# Article words: Nieuw, Actief (status examples), Geaccepteerd (substatus example),
# Geweigerd/Verlopen/Gewonnen/Verloren (its terminal states), In behandeling
# (Microsoft status example), Ja/Nee.
DUTCH: Final = ValueLabels(
    lang="nl",
    statuses={
        Status.NEW: "Nieuw",
        Status.ACTIVE: "Actief",
        Status.CLOSED: "Gesloten",  # not in the article: chosen as the UI's word
    },
    substatuses={
        _S.PENDING: "In behandeling",
        _S.RECEIVED: "Ontvangen",  # not in the article: chosen as the UI's word
        _S.ACCEPTED: "Geaccepteerd",
        _S.WON: "Gewonnen",
        _S.LOST: "Verloren",
        _S.DECLINED: "Geweigerd",
        _S.EXPIRED: "Verlopen",
        _S.ERROR: "Fout",  # not in the article, which calls its error column "Fouten"
    },
    yes="Ja",
    no="Nee",
    # The article gives no stage names: these are the usual Dutch past participles.
    stages={
        10: "Gemaakt/Geaccepteerd",
        20: "Gekwalificeerd",
        40: "Ontwikkeld",
        60: "Voorgesteld",
        80: "Onderhandeld",
        100: "Gewonnen",
    },
)

# Article words: Ny, Aktiv (status examples), Accepterad and Har godkänts (substatus),
# Nekad/Förlorad (the substatuses a declined/lost reason is for), Nekat/Upphört/
# Vunnet/Förlorat and Nekad/Upphörd (its terminal states), Väntar (Microsoft status
# example), Ja/Nej.
SWEDISH: Final = ValueLabels(
    lang="sv",
    statuses={
        Status.NEW: "Ny",
        Status.ACTIVE: "Aktiv",
        Status.CLOSED: "Stängd",  # not in the article: chosen as the UI's word
    },
    substatuses={
        _S.PENDING: "Väntar",
        _S.RECEIVED: "Mottagen",  # not in the article: chosen as the UI's word
        _S.ACCEPTED: "Accepterad",
        _S.WON: "Vunnet",
        _S.LOST: "Förlorad",
        _S.DECLINED: "Nekad",
        _S.EXPIRED: "Upphörd",
        _S.ERROR: "Fel",  # not in the article as a status, it calls its error column "Fel"
    },
    yes="Ja",
    no="Nej",
    # The article gives no stage names: these are the usual Swedish participles.
    stages={
        10: "Skapad/Accepterad",
        20: "Kvalificerad",
        40: "Utvecklad",
        60: "Föreslagen",
        80: "Förhandlad",
        100: "Vunnen",
    },
)

# Article words: nouveau, Actif (status), accepté/Accepté (substatus), refusé/expiré/
# gagné/perdu (its terminal states), Oui/Non. Its Microsoft status example is left
# in English ("Pending"), which reads as English anyway.
FRENCH: Final = ValueLabels(
    lang="fr",
    statuses={
        Status.NEW: "Nouveau",
        Status.ACTIVE: "Actif",
        Status.CLOSED: "Fermé",  # not in the article: chosen as the UI's word
    },
    substatuses={
        # Not in the article (its example stays "Pending"): chosen as the UI's word.
        _S.PENDING: "En attente",
        _S.RECEIVED: "Reçu",  # not in the article: chosen as the UI's word
        _S.ACCEPTED: "Accepté",
        _S.WON: "Gagné",
        _S.LOST: "Perdu",
        _S.DECLINED: "Refusé",
        _S.EXPIRED: "Expiré",
        _S.ERROR: "Erreur",  # not in the article, which calls its error column "Erreurs"
    },
    yes="Oui",
    no="Non",
    # The article gives no stage names: these are the usual French past participles.
    stages={
        10: "Créé/Accepté",
        20: "Qualifié",
        40: "Développé",
        60: "Proposé",
        80: "Négocié",
        100: "Gagné",
    },
)

_TRANSLATIONS: Final = (DUTCH, SWEDISH, FRENCH)

#: Other names import reads: the article's second word for a value and the
#: forms a word takes with a noun of another gender (a deal, a referral …).
_OTHER_NAMES: Final[Mapping[Status | Substatus, tuple[str, ...]]] = {
    Status.NEW: ("Nouvelle",),
    Status.ACTIVE: ("Aktivt",),
    Status.CLOSED: ("Stängt", "Fermée"),
    _S.PENDING: ("Väntande",),
    _S.RECEIVED: ("Mottaget", "Reçue"),
    _S.ACCEPTED: ("Har godkänts", "Godkänd", "Accepterat", "Acceptée"),
    _S.WON: ("Vunnen", "Gagnée"),
    _S.LOST: ("Förlorat", "Perdue"),
    _S.DECLINED: ("Afgewezen", "Nekat", "Refusée"),
    _S.EXPIRED: ("Upphört", "Expirée"),
}

_LOCALES: Final[Mapping[str, ValueLabels]] = {
    key: labels
    for labels, keys in (
        (DUTCH, ("nl", "nl-nl")),
        (SWEDISH, ("sv", "sv-se")),
        (FRENCH, ("fr", "fr-fr")),
    )
    for key in keys
}


def labels_for(lang: str | None) -> ValueLabels:
    """The labels for a locale key as export uses it (`nl`, `nl-NL`, `sv`, `sv-SE`,
    `fr`, `fr-FR`, any case); English for any other key or None."""
    if not lang:
        return ENGLISH
    return _LOCALES.get(lang.strip().casefold().replace("_", "-"), ENGLISH)


def accepted_enum_names(enum_cls: type[Enum]) -> tuple[tuple[str, Enum], ...]:
    """Every translated name of the members of Status, Substatus or MicrosoftStatus
    (none for another enum), each with its member."""
    names: list[tuple[str, Enum]] = []
    if enum_cls is Status:
        for status in Status:
            names += [(labels.status(status), status) for labels in _TRANSLATIONS]
            names += [(name, status) for name in _OTHER_NAMES.get(status, ())]
    elif enum_cls is Substatus or enum_cls is MicrosoftStatus:
        for member in enum_cls:
            substatus = Substatus[member.name]
            names += [(labels.substatus(substatus), member) for labels in _TRANSLATIONS]
            names += [(name, member) for name in _OTHER_NAMES.get(substatus, ())]
    return tuple(names)


def accepted_stage_names() -> tuple[tuple[str, int], ...]:
    """Every translated sales stage name, each with its stage."""
    return tuple((name, stage) for labels in _TRANSLATIONS for stage, name in labels.stages.items())


def accepted_yes_no() -> tuple[tuple[str, bool], ...]:
    """The translated yes and no labels."""
    return tuple(
        pair for labels in _TRANSLATIONS for pair in ((labels.yes, True), (labels.no, False))
    )
