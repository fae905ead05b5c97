"""The pipeline chart: deal value per sales stage, as inline SVG bars drawn on the server.

Values in different currencies cannot be added up, so the chart shows one
currency at a time: the one most of the listed deals use, or the one picked
(links to the other currencies sit under the chart).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from cosell.domain.enums import SALES_STAGES
from cosell.i18n import term
from cosell.services.referrals import StageTotal

#: Geometry of the SVG (user units; the image scales to its box): one row per stage,
#: the stage's name above its bar, the value after the bar.
WIDTH = 300
ROW = 38
VALUE_ROOM = 95
BAR_ROOM = WIDTH - VALUE_ROOM


@dataclass(frozen=True, slots=True)
class Bar:
    stage: int
    label: str
    deals: int
    value: Decimal
    y: int
    width: float


@dataclass(frozen=True, slots=True)
class Chart:
    currency: str
    bars: list[Bar]
    deals: int
    value: Decimal
    #: (currency, deals) of the currencies not shown, most used first
    others: list[tuple[str, int]]

    @property
    def height(self) -> int:
        return ROW * len(self.bars)

    @property
    def other_deals(self) -> int:
        return sum(n for _, n in self.others)


def build(totals: list[StageTotal], wanted: str = "") -> Chart | None:
    """The chart of `wanted` currency (else the most used one); None when no deal matches.
    Its labels are in the current locale's language."""
    if not totals:
        return None
    deals: Counter[str] = Counter()
    cents: Counter[str] = Counter()
    for t in totals:
        deals[t.currency] += t.deals
        cents[t.currency] += t.value_cents
    ranked = sorted(deals, key=lambda c: (-deals[c], -cents[c], c))
    currency = wanted if wanted in deals else ranked[0]
    per_stage = {t.stage: t for t in totals if t.currency == currency}
    peak = max((t.value_cents for t in per_stage.values()), default=0) or 1
    bars = []
    for i, (stage, name) in enumerate(SALES_STAGES.items()):
        found = per_stage.get(stage)
        value_cents = found.value_cents if found else 0
        bars.append(
            Bar(
                stage=stage,
                label=f"{stage}% {term(name)}",
                deals=found.deals if found else 0,
                value=Decimal(value_cents).scaleb(-2),
                y=i * ROW,
                width=round(BAR_ROOM * value_cents / peak, 1),
            )
        )
    return Chart(
        currency=currency,
        bars=bars,
        deals=deals[currency],
        value=Decimal(cents[currency]).scaleb(-2),
        others=[(c, deals[c]) for c in ranked if c != currency],
    )
