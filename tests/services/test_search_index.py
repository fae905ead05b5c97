"""Search answered from an index (SQLite: FTS5 trigram table, PostgreSQL: pg_trgm GIN),
with the meaning it always had: a case-insensitive substring of deal name, referral ID,
customer name, notes or CRM ID, the text taken literally.

On SQLite the repository reads the few deals the index finds, or, for a text found in
many deals, checks deals in list order: each test runs both ways there ("sparse" and
"dense"), so the two give the same answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cosell.domain.filters import ReferralFilters
from cosell.services import referrals as reading
from cosell.services.referral_changes import update_referral
from cosell.services.referral_input import ReferralInput
from cosell.services.undo import undo_import
from cosell.store import backup, referral_query
from cosell.store.sql_backend import SqlBackend
from tests.support import World, csv_bytes, open_world, row, run_import


@pytest.fixture(params=["sparse", "dense"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "dense":  # every text counts as common: deals checked in order
        monkeypatch.setattr(referral_query, "SPARSE_MATCHES", -1)
    return str(request.param)


def deal_names(world: World, text: str, *, actor: object = None) -> set[str]:
    page = reading.list_referrals(
        world.db,
        actor or world.admin,  # type: ignore[arg-type]
        ReferralFilters(search=text),
        size=200,
    )
    assert page.total_exact and page.total == len(page.items)
    return {r.deal_name for r in page.items}


def referral_ids(world: World) -> dict[str, str]:
    page = reading.list_referrals(world.db, world.admin, ReferralFilters(), size=200)
    return {r.deal_name: r.id for r in page.items}


def create(world: World, *rows: dict[str, str]) -> str:
    done = run_import(world, world.admin, csv_bytes(list(rows)))
    assert done.count("created") == len(rows), done.summary
    return done.job_id


@pytest.fixture
def deals(world: World) -> World:
    create(
        world,
        row(Deal_Name="Ürün Pilot", Customer_Name="Anadolu Ticaret", Notes="plain"),
        row(Deal_Name="Café Rollout", Customer_Name="Olé Foods", Notes=""),
        row(Deal_Name="Quota deal", Notes='Say "hi" to the 100%_done team'),
        row(Deal_Name="Percent deal", Notes="100 percent done", CRM_ID="CRM_77-A"),
        row(Deal_Name="Underscore deal", Notes="axb and a_b", CRM_ID="CRMX77-B"),
        row(Deal_Name="Tailspin Renewal", Customer_Name="Tailspin Toys"),
    )
    return world


def test_each_covered_field_matches_case_insensitively(deals: World, mode: str) -> None:
    world = deals
    ids = referral_ids(world)
    assert deal_names(world, "tailSPIN") == {"Tailspin Renewal"}  # deal and customer name
    assert deal_names(world, "anadolu") == {"Ürün Pilot"}  # customer name only
    assert deal_names(world, "PLAIN") == {"Ürün Pilot"}  # notes
    assert deal_names(world, "crm_77-a") == {"Percent deal"}  # CRM ID
    rid = ids["Quota deal"]
    assert deal_names(world, rid[4:20].upper()) == {"Quota deal"}  # referral ID
    assert deal_names(world, "nomatchxyz") == set()


def test_text_spanning_two_fields_does_not_match(deals: World, mode: str) -> None:
    # "Tailspin Renewal" then "Tailspin Toys": no field holds "Renewal Tailspin"
    assert deal_names(deals, "Renewal Tailspin") == set()
    assert deal_names(deals, "Pilot Anadolu") == set()


def test_letters_beyond_ascii_fold_their_case(deals: World, mode: str) -> None:
    assert deal_names(deals, "ürün") == {"Ürün Pilot"}
    assert deal_names(deals, "ÜRÜN PILOT") == {"Ürün Pilot"}
    assert deal_names(deals, "CAFÉ") == {"Café Rollout"}
    assert deal_names(deals, "olé") == {"Café Rollout"}
    assert deal_names(deals, "Cafe") == set()  # accents are not ignored


def test_quotes_and_like_wildcards_are_literal(deals: World, mode: str) -> None:
    assert deal_names(deals, '"hi"') == {"Quota deal"}
    assert deal_names(deals, 'say "hi" to') == {"Quota deal"}
    assert deal_names(deals, "0%_d") == {"Quota deal"}  # not "100 percent done"
    assert deal_names(deals, "100%") == {"Quota deal"}
    assert deal_names(deals, "a_b") == {"Underscore deal"}  # not "axb"
    assert deal_names(deals, "M_7") == {"Percent deal"}  # not CRMX77
    assert deal_names(deals, "%%%") == set()
    assert deal_names(deals, "___") == set()
    assert deal_names(deals, "\\\\\\") == set()
    assert deal_names(deals, "deal\x1fplain") == set()


def test_a_referrals_user_finds_only_their_deals(deals: World, mode: str) -> None:
    world = deals
    create(world, row(Deal_Name="Tailspin Hidden", Team_member_1="Ann, Admin, , a@x.example"))
    assert deal_names(world, "tailspin") == {"Tailspin Renewal", "Tailspin Hidden"}
    assert deal_names(world, "tailspin", actor=world.seller) == {"Tailspin Renewal"}
    assert deal_names(world, "tailspin", actor=world.other_admin) == set()


def test_the_index_follows_updates_of_covered_fields(deals: World, mode: str) -> None:
    world = deals
    rid = referral_ids(world)["Tailspin Renewal"]
    update_referral(
        world.db,
        world.admin,
        rid,
        ReferralInput(values={"deal_name": "Northwind Upsell", "notes": "Moved to Q3"}),
        expected_version=None,
        source="api",
        settings=world.settings,
    )
    assert deal_names(world, "Tailspin") == {"Northwind Upsell"}  # the customer name
    assert deal_names(world, "Renewal") == set()
    assert deal_names(world, "northwind ups") == {"Northwind Upsell"}
    assert deal_names(world, "to q3") == {"Northwind Upsell"}
    update_referral(  # a field search does not cover: the index is left alone
        world.db,
        world.admin,
        rid,
        ReferralInput(values={"sales_stage": "60"}),
        expected_version=None,
        source="api",
        settings=world.settings,
    )
    assert deal_names(world, "Northwind") == {"Northwind Upsell"}


def test_the_index_follows_imports_and_their_undo(deals: World, mode: str) -> None:
    world = deals
    job = create(world, row(Deal_Name="Wingtip Launch"), row(Deal_Name="Wingtip Expansion"))
    assert deal_names(world, "wingtip") == {"Wingtip Launch", "Wingtip Expansion"}
    ids = referral_ids(world)
    updated = csv_bytes([row(Referral_ID=ids["Quota deal"], Deal_Name="Quota Wingtip deal")])
    change = run_import(world, world.admin, updated)
    assert change.count("updated") == 1, change.summary
    assert "Quota Wingtip deal" in deal_names(world, "wingtip")
    undo_import(world.db, world.admin, change.job_id)  # an update undone
    assert deal_names(world, "wingtip") == {"Wingtip Launch", "Wingtip Expansion"}
    assert deal_names(world, "quota deal") == {"Quota deal"}
    undo_import(world.db, world.admin, job)  # the created deals deleted
    assert deal_names(world, "wingtip") == set()


def test_the_index_comes_back_with_a_restore(
    deals: World, mode: str, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    world = deals
    copy = tmp_path / "backup.bin"
    if backend == "sqlite":
        source = backup.sqlite_file(world.settings.database_url)
        backup.backup_sqlite(source, copy)
        url = f"sqlite:///{tmp_path / 'restored.db'}"
        backup.restore_sqlite(copy, backup.sqlite_file(url))
    else:
        from tests import postgres

        backup.backup_postgres(world.settings.database_url, copy)
        url = postgres.new_database(request.getfixturevalue("postgres_template"))
        SqlBackend(url).upgrade()  # what `cosell init` leaves; the restore replaces it
        backup.restore_postgres(copy, url)
    restored = open_world(url, queue_url=url if backend != "sqlite" else None)
    try:
        assert deal_names(restored, "tailspin") == {"Tailspin Renewal"}
        create(restored, row(Deal_Name="Restored Tailspin deal"))
        assert deal_names(restored, "tailspin") == {"Tailspin Renewal", "Restored Tailspin deal"}
    finally:
        restored.db.dispose()


def test_bounded_counts_agree_with_the_list(deals: World, mode: str) -> None:
    world = deals
    create(world, row(Deal_Name="Tailspin Hidden", Team_member_1="Ann, Admin, , a@x.example"))
    for text in ("tailspin", "deal", "ürün", '"hi"', "a_b", "nomatchxyz"):
        for actor in (world.admin, world.seller):
            expected = len(deal_names(world, text, actor=actor))
            f = ReferralFilters(search=text)
            assert reading.count(world.db, actor, f, 100) == (expected, True), text
            if expected:
                assert reading.count(world.db, actor, f, expected - 1) == (expected - 1, False)
