"""The demo data fits the field table: every value is one an import would read back."""

from __future__ import annotations

import datetime as dt
import random

from cosell.domain.field_spec import Access
from cosell.domain.fields import Field
from cosell.domain.model import TeamMember
from cosell.services import demo
from tests.domain.records import cell, parse

STORED = [f for f in Field if f.spec.attr is not None]


def test_every_demo_value_has_its_fields_type_and_reads_back() -> None:
    team = [TeamMember("Sam", "Seller", None, "seller@org-a.example")]
    made = demo.make_referrals(random.Random(9), 120, team=team, now=dt.datetime(2026, 3, 1))
    for ref in made:
        for f in STORED:
            spec = f.spec
            value = getattr(ref, spec.attr or "")
            if value is None:
                assert spec.optional, f"{f.name} of a demo deal is empty"
                continue
            assert isinstance(value, spec.value_type), f.name
            if spec.access in (Access.KEY, Access.IGNORED):
                continue  # not read by import (made by the service or Microsoft)
            record = parse({f.value: cell(value)})
            assert record.errors == [] and record.values == {f: value}, (f.name, value)
