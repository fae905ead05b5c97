"""Statuses, substatuses, yes/no and sales stages as people write them in Dutch,
Swedish and French (rules §2.2).

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

#: The languages of the tables below, in the order of their columns.
_LANGS: Final = ("nl", "sv", "fr")

# The articles' own words: Dutch Nieuw, Actief (status examples), Geaccepteerd
# (substatus example), Geweigerd/Verlopen/Gewonnen/Verloren (terminal states), In
# behandeling (Microsoft status example), Ja/Nee. Swedish Ny, Aktiv (status examples),
# Accepterad and Har godkänts (substatus), Nekad/Förlorad (the substatuses a
# declined/lost reason is for), Nekat/Upphört/Vunnet/Förlorat and Nekad/Upphörd
# (terminal states), Väntar (Microsoft status example), Ja/Nej. French nouveau, Actif
# (status), accepté/Accepté (substatus), refusé/expiré/gagné/perdu (terminal states),
# Oui/Non; its Microsoft status example stays in English ("Pending"), which reads as
# English anyway. A word the articles lack is marked "chosen": the word Partner
# Center's own screens would use.

# fmt: off
_STATUSES: Final[Mapping[Status, tuple[str, str, str]]] = {
    #               Dutch       Swedish   French
    Status.NEW:    ("Nieuw",    "Ny",     "Nouveau"),
    Status.ACTIVE: ("Actief",   "Aktiv",  "Actif"),
    Status.CLOSED: ("Gesloten", "Stängd", "Fermé"),  # all chosen
}
_SUBSTATUSES: Final[Mapping[Substatus, tuple[str, str, str]]] = {
    #             Dutch             Swedish       French
    _S.PENDING:  ("In behandeling", "Väntar",     "En attente"),  # French chosen
    _S.RECEIVED: ("Ontvangen",      "Mottagen",   "Reçu"),  # all chosen
    _S.ACCEPTED: ("Geaccepteerd",   "Accepterad", "Accepté"),
    _S.WON:      ("Gewonnen",       "Vunnet",     "Gagné"),
    _S.LOST:     ("Verloren",       "Förlorad",   "Perdu"),
    _S.DECLINED: ("Geweigerd",      "Nekad",      "Refusé"),
    _S.EXPIRED:  ("Verlopen",       "Upphörd",    "Expiré"),
    # All chosen: not statuses in the articles, whose error columns are Fouten, Fel, Erreurs.
    _S.ERROR:    ("Fout",           "Fel",        "Erreur"),
}
_YES_NO: Final[Mapping[bool, tuple[str, str, str]]] = {
    True:  ("Ja",  "Ja",  "Oui"),
    False: ("Nee", "Nej", "Non"),
}
# The articles give no stage names: these are each language's usual participles.
_STAGES: Final[Mapping[int, tuple[str, str, str]]] = {
    10:  ("Gemaakt/Geaccepteerd", "Skapad/Accepterad", "Créé/Accepté"),
    20:  ("Gekwalificeerd",       "Kvalificerad",      "Qualifié"),
    40:  ("Ontwikkeld",           "Utvecklad",         "Développé"),
    60:  ("Voorgesteld",          "Föreslagen",        "Proposé"),
    80:  ("Onderhandeld",         "Förhandlad",        "Négocié"),
    100: ("Gewonnen",             "Vunnen",            "Gagné"),
}
# fmt: on


def _labels(lang: str) -> ValueLabels:
    """One language's column of the tables above."""
    column = _LANGS.index(lang)
    return ValueLabels(
        lang=lang,
        statuses={status: words[column] for status, words in _STATUSES.items()},
        substatuses={substatus: words[column] for substatus, words in _SUBSTATUSES.items()},
        yes=_YES_NO[True][column],
        no=_YES_NO[False][column],
        stages={stage: words[column] for stage, words in _STAGES.items()},
    )


DUTCH: Final = _labels("nl")
SWEDISH: Final = _labels("sv")
FRENCH: Final = _labels("fr")

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
