"""The keyset cursor relies on every sort column being NOT NULL: (value, pk) is then a
total order, and "after (v, p)" needs no case for NULLs."""

from __future__ import annotations

import datetime as dt

import pytest

from cosell.domain.filters import SORT_KEYS
from cosell.errors import UsageError
from cosell.store.models import referrals_t
from cosell.store.referral_query import decode_cursor, encode_cursor


@pytest.mark.parametrize("column", sorted(SORT_KEYS.values()))
def test_sort_columns_are_not_null(column: str) -> None:
    assert not referrals_t.c[column].nullable


@pytest.mark.parametrize(
    "value",
    ["2027-01-05 09:30:00.000000", 12_500, dt.datetime(2027, 1, 5, 9, 30), dt.date(2027, 3, 1)],
)
def test_a_cursor_carries_its_value_and_key(value: object) -> None:
    cursor = decode_cursor(encode_cursor("-created", value, 42), "-created")
    assert (cursor.value, cursor.pk) == (value, 42)
    with pytest.raises(UsageError, match="sort order"):
        decode_cursor(encode_cursor("-created", value, 42), "created")
