"""The service behind the API and the pages: file rules for JSON values, and the version guard."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosell.errors import StaleVersion
from cosell.services import referral_changes
from cosell.services.referral_changes import update_referral
from cosell.services.referral_input import ReferralInput, field_name
from cosell.services.referrals import history
from cosell.store.referrals import ReferralRepository
from tests.api.client import Api, body
from tests.support import World, csv_bytes, row, run_import

# What people type into these cells, good and bad.
cell_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=12,
) | st.sampled_from(["", "US", "usa", "EUR", "12,563.50", "-1", "1/30/2027", "30/01/2027", "60"])
CELLS = {
    "country": "Customer Country",
    "currency": "Currency",
    "deal_value": "Estimated Deal Value",
    "close_date": "Estimated Close Date",
    "sales_stage": "Sales Stage",
    "duns": "Customer D-U-N-S ID",
}


@given(values=st.fixed_dictionaries({name: cell_text for name in CELLS}))
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_json_values_get_exactly_the_files_verdict(module_api: Api, values: dict[str, str]) -> None:
    world = module_api.world
    assert world is not None
    cells = {CELLS[name].replace(" ", "_"): value for name, value in values.items()}
    imported = run_import(world, world.admin, csv_bytes([row(**cells)]), dry_run=True)
    file_errors = sorted(e for errors in imported.failures.values() for e in errors)

    response = module_api.post("/api/v1/referrals", json=body(**values))
    if file_errors:
        assert response.status_code == 422, response.text
        problem = response.json()
        assert sorted(f"{e['column']}: {e['message']}" for e in problem["errors"]) == file_errors
    else:
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("column", "name"),
    [
        ("Customer Country", "country"),
        ("Microsoft Referral Status", "ms_status"),
        ("Solution 3", "solutions[2]"),
        ("Team member 1", "team_members[0]"),
        ("Solutions", "solutions"),
        ("", None),
        ("Solution X", None),
    ],
)
def test_field_names_of_columns(column: str, name: str | None) -> None:
    assert field_name(column) == name


def test_a_writer_that_committed_after_our_read_wins_and_we_get_stale(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read and the write are one transaction, but on PostgreSQL another writer may
    commit in between: the guarded UPDATE (WHERE version = expected) must notice."""
    created = api.create()
    rid = created["id"]
    with world.db.read() as conn:
        as_read = ReferralRepository(conn, world.admin).get(rid)
    assert (
        api.patch(
            f"/api/v1/referrals/{rid}", json={"notes": "theirs"}, headers={"If-Match": "1"}
        ).status_code
        == 200
    )

    original_get = ReferralRepository.get

    def stale_get(self: ReferralRepository, referral_id: str) -> Any:
        original_get(self, referral_id)
        return as_read  # what we read before the other writer committed

    monkeypatch.setattr(ReferralRepository, "get", stale_get)
    with pytest.raises(StaleVersion):
        update_referral(
            world.db,
            world.admin,
            rid,
            ReferralInput(values={"notes": "ours"}),
            expected_version=1,
            source="api",
            settings=world.settings,
        )
    monkeypatch.undo()
    assert api.get(f"/api/v1/referrals/{rid}").json()["notes"] == "theirs"


def test_pages_record_their_changes_as_source_page(api: Api, world: World) -> None:
    rid = api.create()["id"]
    changed = referral_changes.update_referral(
        world.db,
        world.seller,
        rid,
        ReferralInput(values={"sales_stage": "Proposed"}),
        expected_version=None,
        source="page",
        settings=world.settings,
    )
    assert changed.sales_stage == 60 and changed.version == 2
    latest = history(world.db, world.seller, rid)[0]
    assert (latest.source, latest.user_id) == ("page", world.seller.user_id)
    assert latest.changes == {"Sales Stage": ("40", "60")}
