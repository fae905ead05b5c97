"""The migrations make exactly the schema the models describe (the referral columns come
from the field table), and referrals go to rows and back unchanged."""

from __future__ import annotations

import datetime as dt
import json
import random
import warnings
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Boolean, Date, Integer, String, Text, inspect

from cosell.domain.fields import Field
from cosell.domain.model import TeamMember
from cosell.services import demo
from cosell.store.models import Base, ReferralRow, table_of
from cosell.store.referral_rows import (
    _SNAPSHOT_ROW,
    SCALARS,
    from_snapshot,
    referral_from_row,
    row_params,
    snapshot,
)
from cosell.store.sql_backend import SqlBackend

referrals_t = table_of(ReferralRow)
#: Tables the migrations make that no model describes: SQLite's search index (0006).
UNMODELLED = ("referrals_fts",)
#: PostgreSQL's search index is on an expression, which autogenerate cannot compare.
SEARCH_INDEX = "ix_referrals_search"


def _modelled(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    if type_ == "index":
        return name != SEARCH_INDEX
    return not (type_ == "table" and name is not None and name.startswith(UNMODELLED))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migrations_make_the_schema_of_the_models(
    backend: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'schema.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    db = SqlBackend(url)
    try:
        db.upgrade()
        with db.engine.connect() as conn, warnings.catch_warnings():
            # SQLite cannot reflect the expression index PostgreSQL's search uses
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified")
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _modelled}
            )
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
        if backend == "postgresql":
            with db.engine.connect() as conn:
                indexes = {ix["name"] for ix in inspect(conn).get_indexes("referrals")}
            assert SEARCH_INDEX in indexes
    finally:
        db.dispose()


def _length(column: Any) -> int | None:
    return getattr(column.type, "length", None)


def test_the_referral_columns_are_typed_by_kind_and_width() -> None:
    c = referrals_t.c
    assert isinstance(c.referral_id.type, String) and _length(c.referral_id) == 36
    assert c.referral_id.unique and not c.referral_id.nullable
    assert _length(c.deal_name) == 200 and not c.deal_name.nullable
    assert c.address_2.nullable and _length(c.postal_code) == 20
    assert (_length(c.country), _length(c.duns), _length(c.currency)) == (2, 9, 3)
    assert (_length(c.contact_phone), _length(c.contact_email)) == (40, 320)
    assert isinstance(c.notes.type, Text) and isinstance(c.close_date.type, Date)
    assert isinstance(c.consent.type, Boolean) and isinstance(c.help_code.type, Integer)
    assert type(c.value_cents.type).__name__ == "BigInteger"
    assert not c.sales_stage.nullable and c.reason.nullable
    assert {col.name for col in referrals_t.c} >= {f.spec.column_name for f in Field if f.spec.attr}


def _stored(ref: Any) -> dict[str, Any]:
    """The stored columns as a snapshot keeps them (dates as ISO text)."""
    params = row_params(ref)
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}


def _referrals(count: int = 40) -> list[Any]:
    team = [TeamMember("Sam", "Seller", None, "seller@org-a.example")]
    return demo.make_referrals(
        random.Random(5), count, team=team, now=dt.datetime(2026, 3, 1, 12, 0)
    )


def test_a_referral_goes_to_a_row_and_back() -> None:
    for ref in _referrals():
        params = row_params(ref)
        assert list(params) == SCALARS
        back = referral_from_row([7, *params.values()], ref.solutions, ref.team)
        assert back == ref


def test_a_snapshot_keeps_its_format_and_reads_back() -> None:
    for ref in _referrals():
        text = snapshot(ref)
        data = json.loads(text)
        # the first 37 columns by position, as every snapshot kept; later ones by name
        assert [*data] == ["row", "solutions", "team"] or [*data][:2] == ["row", "more"]
        assert len(data["row"]) == 37
        kept = dict(zip(_SNAPSHOT_ROW, data["row"], strict=True)) | data.get("more", {})
        assert kept == _stored(ref)
        assert from_snapshot(text) == ref


def test_a_column_a_snapshot_keeps_by_name_is_read() -> None:
    ref = _referrals(1)[0]
    data = json.loads(snapshot(ref))
    data["more"] = {"notes": "kept by name"}  # how a column added later is kept
    assert from_snapshot(json.dumps(data)).notes == "kept by name"
