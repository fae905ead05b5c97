"""The embedded database: WAL, writers that queue instead of failing, migrations."""

from __future__ import annotations

import threading

from sqlalchemy import text

from cosell.domain.filters import ReferralFilters
from cosell.store.referrals import ReferralRepository
from cosell.store.sql_backend import SqlBackend
from tests.support import csv_bytes, row, run_import


def test_sqlite_runs_in_wal_mode_with_foreign_keys(world):
    with world.db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_upgrade_is_idempotent(tmp_path):
    db = SqlBackend(f"sqlite:///{tmp_path / 'twice.db'}")
    db.upgrade()
    db.upgrade()
    with db.read() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version is not None
    db.dispose()


def test_concurrent_imports_queue_on_the_lock_and_both_complete(world):
    files = [csv_bytes([row(Deal_Name=f"Thread {t} deal {i}") for i in range(50)]) for t in (1, 2)]
    results: dict[int, object] = {}

    def work(n: int) -> None:
        results[n] = run_import(world, world.admin, files[n])

    threads = [threading.Thread(target=work, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [results[n].count("created") for n in (0, 1)] == [50, 50]  # type: ignore[attr-defined]
    with world.db.read() as conn:
        assert ReferralRepository(conn, world.admin).count(ReferralFilters()) == 100


def test_a_failed_write_transaction_leaves_nothing(world):
    try:
        with world.db.write() as conn:
            conn.execute(text("INSERT INTO app_settings (key, value) VALUES ('probe', 'x')"))
            raise RuntimeError("crash mid-way")
    except RuntimeError:
        pass
    with world.db.read() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM app_settings WHERE key='probe'")).scalar() == 0
        )
