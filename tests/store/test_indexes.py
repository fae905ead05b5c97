"""Indexes that keep periodic work, search and the list flat as organizations grow.

The expiry of unanswered referrals looks for incoming referrals still New across
every organization; a partial index holds only those, so the query reads a few
index entries instead of every referral.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, and_, func, select, text
from sqlalchemy.sql import Select

from cosell.domain.enums import Direction, Status
from cosell.domain.filters import ReferralFilters, Tab
from cosell.store import referral_query
from cosell.store.models import ReferralRow, table_of
from cosell.store.referral_query import FTS, SPARSE_MATCHES, fts_match, order_by
from cosell.store.referral_rows import COLUMNS
from cosell.store.referrals import ReferralRepository
from cosell.store.sql_backend import SqlBackend
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
    db = SqlBackend(f"sqlite:///{tmp_path / 'cosell.db'}")
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
    db = SqlBackend(url)
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


def _has_index(db: SqlBackend) -> bool:
    from sqlalchemy import inspect

    with db.read() as conn:
        return INDEX in {ix["name"] for ix in inspect(conn).get_indexes("referrals")}


# --------------------------------------------------------------------------------------
# Search and the list's filters (migration 0006): plans read indexes, never every deal.


def _plan(conn: Connection, query: Select) -> str:  # type: ignore[type-arg]
    """The plan of `query` with its values bound, as one text."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values())
        ).all()
        return "\n".join(str(r[-1]) for r in rows)
    return "\n".join(conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())


def _list_queries(conn: Connection, world: World, f: ReferralFilters) -> list[Select]:  # type: ignore[type-arg]
    """The page and the bounded count of the list, as the repository builds them."""
    repo = ReferralRepository(conn, world.admin)
    page = repo._filtered(select(*COLUMNS), f).order_by(*order_by(f.sort)).limit(26)
    first = repo._filtered(select(R.c.pk), f).limit(10_001).subquery()
    return [page, select(func.count()).select_from(first)]


LIST_INDEXES = [
    (ReferralFilters(tab=Tab.OUTBOUND), "ix_referrals_org_direction_created"),
    (ReferralFilters(tab=Tab.OUTBOUND, statuses=["Active"]), "ix_referrals_org_dir_status"),
    (ReferralFilters(tab=Tab.INBOUND, countries=["NL"]), "ix_referrals_org_dir_country"),
    # (the pipeline chart's index starts with the same columns: a count may read either)
    (ReferralFilters(tab=Tab.OUTBOUND, sales_stages=[60]), "ix_referrals_org_(dir_stage|pipeline)"),
    (
        ReferralFilters(tab=Tab.OUTBOUND, close_from=dt.date(2027, 1, 1)),
        "ix_referrals_org_dir_close",
    ),
]


@pytest.mark.parametrize(("filters", "index"), LIST_INDEXES, ids=lambda v: getattr(v, "tab", v))
def test_filtered_lists_read_their_index_on_sqlite(
    tmp_path, filters: ReferralFilters, index: str
) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'cosell.db'}")
    with world.db.read() as conn:
        page, count = _list_queries(conn, world, filters)
        if filters.tab is Tab.OUTBOUND and filters == ReferralFilters(tab=Tab.OUTBOUND):
            # the tab in its default order: the page reads the index in that order, the
            # count any index of the tab (the smallest will do)
            assert index in _plan(conn, page), _plan(conn, page)
            assert "(org_id=? AND direction=?)" in _plan(conn, count), _plan(conn, count)
        else:
            assert re.search(index, _plan(conn, count)), _plan(conn, count)
        for query in (page, count):
            assert "SCAN referrals" not in _plan(conn, query), _plan(conn, query)
    world.db.dispose()


def test_search_reads_the_fts_index_on_sqlite(tmp_path, monkeypatch) -> None:
    world = make_world(f"sqlite:///{tmp_path / 'cosell.db'}")
    run_import(world, world.admin, csv_bytes([row(Deal_Name="Tailspin Toys deal")]))
    f = ReferralFilters(tab=Tab.OUTBOUND, search="tailspin")
    with world.db.read() as conn:
        probe = select(FTS.c.rowid).where(fts_match("tailspin")).limit(SPARSE_MATCHES + 1)
        assert "VIRTUAL TABLE" in _plan(conn, probe) and "referrals_fts" in _plan(conn, probe)
        # a rare text: the few deals the index found, by primary key
        for query in _list_queries(conn, world, f):
            assert "INTEGER PRIMARY KEY" in _plan(conn, query), _plan(conn, query)
    monkeypatch.setattr(referral_query, "SPARSE_MATCHES", -1)
    with world.db.read() as conn:
        # a common text: the tab's index in list order, each deal checked until enough
        page, _ = _list_queries(conn, world, f)
        assert "ix_referrals_org_direction_created" in _plan(conn, page), _plan(conn, page)
    world.db.dispose()


def test_search_and_filters_read_indexes_on_postgresql(pg_world: World) -> None:
    world = pg_world
    now = dt.datetime(2027, 1, 1)
    run_import(world, world.admin, csv_bytes([row()]))
    with world.db.write() as conn:
        _fill(conn, world, now)
    # one deal of its own among the copies: a rare text
    run_import(world, world.admin, csv_bytes([row(Deal_Name="Tailspin Toys deal")]))
    with world.db.write() as conn:
        conn.execute(text("ANALYZE referrals"))
    with world.db.read() as conn:
        for f in (ReferralFilters(search="tailspin"), ReferralFilters(search="nomatchxyz")):
            for query in _list_queries(conn, world, f):
                assert "ix_referrals_search" in _plan(conn, query), _plan(conn, query)
        for f, _ in LIST_INDEXES:
            for query in _list_queries(conn, world, f):
                assert "Seq Scan" not in _plan(conn, query), _plan(conn, query)
