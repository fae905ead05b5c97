"""Indexes that keep periodic work flat as organizations grow (issue 8 §0).

The expiry of unanswered referrals looks for incoming referrals still New across
every organization; a partial index holds only those, so the query reads a few
index entries instead of every referral.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, and_, select, text
from sqlalchemy.sql import Select

from cosell.domain.enums import Direction, Status
from cosell.store.db import Database
from cosell.store.models import ReferralRow, table_of
from tests.support import World, csv_bytes, make_world, row, run_import

R = table_of(ReferralRow)
INDEX = "ix_referrals_unanswered"
#: referrals of the organization the planner sees: enough that a scan costs more
DEALS = 20_000


def _expiry_queries(now: dt.datetime) -> list[Select]:  # type: ignore[type-arg]
    """The two reads of `services.maintenance.expire_unanswered`, built the same way."""
    condition = and_(
        R.c.direction == Direction.INCOMING.value,
        R.c.status == Status.NEW.value,
        R.c.created_at < now - dt.timedelta(days=14),
    )
    return [
        select(R.c.pk).where(condition).limit(1),
        select(R.c.pk, R.c.org_id, R.c.substatus, R.c.version).where(condition),
    ]


def _fill(conn: Connection, world: World, now: dt.datetime) -> None:
    """DEALS copies of one imported deal: 1 in 100 incoming and New, half of them old."""
    copied = [c.name for c in R.c if c.name not in ("pk", "referral_id", "direction", "status")]
    copied.remove("created_at")
    columns = ", ".join(copied)
    conn.execute(
        text(
            f"INSERT INTO referrals (referral_id, direction, status, created_at, {columns}) "
            "SELECT 'copy-' || g, "
            "CASE WHEN g % 100 = 0 THEN 'Incoming' ELSE 'Outbound' END, "
            "CASE WHEN g % 100 = 0 OR g % 3 = 0 THEN 'New' ELSE 'Closed' END, "
            f"CASE WHEN g % 200 = 0 THEN :old ELSE :now END, {columns} "
            "FROM referrals, generate_series(1, :n) AS g WHERE referrals.org_id = :org"
        ),
        {"n": DEALS, "org": world.admin.org_id, "old": now - dt.timedelta(days=30), "now": now},
    )


@pytest.fixture
def pg_world(postgres_url: str) -> Iterator[World]:
    world = make_world(postgres_url)
    yield world
    world.db.dispose()


def test_the_expiry_reads_the_partial_index_on_postgresql(pg_world: World) -> None:
    world = pg_world
    now = dt.datetime(2027, 1, 1)
    run_import(world, world.admin, csv_bytes([row()]))
    with world.db.write() as conn:
        _fill(conn, world, now)
    with world.db.write() as conn:
        conn.execute(text("ANALYZE referrals"))
    with world.db.read() as conn:
        for query in _expiry_queries(now):
            # with bound values, as the driver sends the query
            compiled = query.compile(dialect=conn.dialect)
            plan = "\n".join(
                conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars()
            )
            assert INDEX in plan, plan


def test_the_expiry_reads_the_partial_index_on_sqlite(tmp_path) -> None:
    now = dt.datetime(2027, 1, 1)
    db = Database(f"sqlite:///{tmp_path / 'cosell.db'}")
    db.upgrade()
    with db.read() as conn:
        for query in _expiry_queries(now):
            compiled = query.compile(dialect=conn.dialect)
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values())
            ).all()
            assert any(INDEX in str(step) for step in plan), plan
    db.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_adds_and_removes_the_index(
    backend: str, request: pytest.FixtureRequest, tmp_path
) -> None:
    from alembic import command

    from cosell.store.db import _alembic_config

    url = (
        f"sqlite:///{tmp_path / 'cosell.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    db = Database(url)
    try:
        db.upgrade()
        assert _has_index(db)
        with db.engine.begin() as conn:
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        assert not _has_index(db)
        db.upgrade()
        assert _has_index(db)
    finally:
        db.dispose()


def _has_index(db: Database) -> bool:
    from sqlalchemy import inspect

    with db.read() as conn:
        return INDEX in {ix["name"] for ix in inspect(conn).get_indexes("referrals")}
