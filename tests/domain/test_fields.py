"""The field table (`domain.fields`) against the declarations that must stay typed.

`Referral` is a dataclass mypy checks; the table says which attributes it has and of
which type. The rule sets derived from the table are pinned here as the rules read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from decimal import Decimal

import pytest

from cosell.domain import decide
from cosell.domain.enums import Direction, MicrosoftStatus, Status, Substatus
from cosell.domain.field_spec import Access, FieldSpec, Kind, Need, Section
from cosell.domain.fields import (
    FIELD_ORDER,
    LOCKED_AFTER_HELP_SHARED,
    READ_ONLY_AFTER_CREATE,
    REQUIRED_ON_CREATE,
    REQUIRED_WITH_HELP,
    Field,
)
from cosell.domain.model import PAGE_SECTIONS, RECORD, Referral

F = Field
HINTS = typing.get_type_hints(Referral)
STORED = [f for f in Field if f.spec.attr is not None]


@pytest.mark.parametrize("f", STORED, ids=lambda f: f.name)
def test_each_stored_field_is_an_attribute_of_referral_of_its_kind(f: Field) -> None:
    spec = f.spec
    assert spec.attr in HINTS, f"Referral has no attribute {spec.attr} for {f.value}"
    hint = HINTS[spec.attr]
    args = set(typing.get_args(hint)) if isinstance(hint, types.UnionType) else {hint}
    wanted = {spec.value_type} | ({type(None)} if spec.optional else set())
    assert args == wanted, f"{spec.attr}: {hint}, the table says {wanted}"


def test_referral_holds_the_table_then_its_items_and_bookkeeping() -> None:
    names = [a.name for a in dataclasses.fields(Referral)]
    own = names[: names.index("solutions")]
    assert {f.spec.attr for f in STORED} == set(own) - {"direction"}
    assert [attr for attr, _ in RECORD] == own
    assert [attr for attr, f in RECORD if f is None] == ["direction"]
    assert HINTS["direction"] is Direction
    assert names[len(own) :] == [
        *("solutions", "team", "version", "created_at", "updated_at", "favorite")
    ]


def test_attributes_and_columns_are_unique() -> None:
    attrs = [f.spec.attr for f in STORED]
    columns = [f.spec.column_name for f in STORED]
    assert len(set(attrs)) == len(attrs) and len(set(columns)) == len(columns)
    assert F.DEAL_VALUE.spec.column_name == "value_cents"  # money is stored in cents
    assert F.REFERRAL_ID.spec.column_name == "referral_id"


def test_the_table_is_the_files_column_order() -> None:
    assert tuple(Field) == FIELD_ORDER
    assert [f.header for f in Field][:3] == ["Errors", "Engagement ID", "Referral ID"]
    assert all(f.header == f.value for f in Field)


def test_the_rules_the_table_gives() -> None:
    assert (
        *(F.CUSTOMER_NAME, F.ADDRESS_1, F.ADDRESS_2, F.CITY, F.STATE, F.POSTAL_CODE),
        *(F.COUNTRY, F.DUNS, F.CONSENT),
    ) == READ_ONLY_AFTER_CREATE
    assert set(LOCKED_AFTER_HELP_SHARED) == {
        *(F.HELP_REQUIRED, F.HELP_CODE, F.CONTACT_FIRST_NAME, F.CONTACT_LAST_NAME),
        *(F.CONTACT_PHONE, F.CONTACT_EMAIL, F.NOTES_TO_MS),
    }
    assert (
        *(F.DEAL_NAME, F.CUSTOMER_NAME, F.ADDRESS_1, F.CITY, F.COUNTRY, F.STATUS),
        *(F.SUBSTATUS, F.DEAL_VALUE, F.CURRENCY, F.CLOSE_DATE, F.HELP_REQUIRED),
        *(F.SHARE_WITH_MS, F.CONSENT),
    ) == REQUIRED_ON_CREATE
    assert (
        *(F.CONTACT_FIRST_NAME, F.CONTACT_LAST_NAME, F.CONTACT_PHONE, F.CONTACT_EMAIL),
        F.HELP_CODE,
    ) == REQUIRED_WITH_HELP
    never_written = {F.ERRORS, F.ENGAGEMENT_ID, F.REFERRAL_ID, F.MS_STATUS}
    assert set(decide.ATTR) == set(Field) - never_written
    assert list(decide.ATTR) == [f for f in Field if f in decide.ATTR]  # file order
    assert {f for f in Field if f.spec.kind.numeric_looking} == {
        *(F.ENGAGEMENT_ID, F.REFERRAL_ID, F.POSTAL_CODE, F.DUNS, F.CONTACT_PHONE),
        *(F.CRM_ID, F.CAMPAIGN_ID),
    }


def test_value_types_of_the_kinds() -> None:
    assert F.CLOSE_DATE.spec.value_type is dt.date
    assert F.DEAL_VALUE.spec.value_type is Decimal
    assert F.STATUS.spec.value_type is Status
    assert F.SUBSTATUS.spec.value_type is Substatus
    assert F.MS_STATUS.spec.value_type is MicrosoftStatus
    assert F.CONSENT.spec.value_type is bool
    assert F.HELP_CODE.spec.value_type is int


def test_every_card_of_the_page_lists_fields_in_the_referrals_order() -> None:
    listed = [f for fields in PAGE_SECTIONS.values() for f in fields]
    assert set(PAGE_SECTIONS) == {s.value for s in Section}
    assert len(listed) == len(set(listed))
    assert PAGE_SECTIONS["deal"][:2] == (F.REFERRAL_ID, F.ENGAGEMENT_ID)
    assert all(f.spec.label for f in listed)
    # not listed alone: the title, and the values shown with another
    assert set(STORED) - set(listed) == {F.DEAL_NAME, F.SUBSTATUS, F.CURRENCY}


@pytest.mark.parametrize(
    "spec",
    [
        lambda: FieldSpec("x", Kind.CHOICE),
        lambda: FieldSpec("x", Kind.TEXT, choices=Status),
        lambda: FieldSpec("x", Kind.CODE),
        lambda: FieldSpec("x", Kind.TEXT),
        lambda: FieldSpec("x", Kind.TEXT, 10, section=Section.DEAL),
    ],
    ids=["choice-without-enum", "enum-without-choice", "code-without-list", "no-limit", "no-label"],
)
def test_a_spec_that_cannot_be_used_is_refused(spec: typing.Callable[[], FieldSpec]) -> None:
    with pytest.raises(ValueError):
        spec()


def test_a_spec_says_its_column_and_whether_it_may_be_empty() -> None:
    spec = FieldSpec("partner_owner", Kind.TEXT, 100)
    assert (spec.column_name, spec.optional, spec.access) == (
        "partner_owner",
        True,
        Access.WRITABLE,
    )
    assert not FieldSpec("x", Kind.TEXT, 5, need=Need.ALWAYS).optional
    with pytest.raises(AssertionError):
        _ = F.ERRORS.spec.column_name
