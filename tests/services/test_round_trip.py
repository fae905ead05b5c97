"""Property tests (hypothesis): export → import round trips through real files and SQLite."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosell.domain.enums import Direction, Status, Substatus
from cosell.domain.filters import ReferralFilters
from cosell.domain.job_types import ExportOptions
from cosell.domain.model import Referral, SolutionLine, TeamMember
from cosell.services.exports import export_referrals
from cosell.store.referrals import ReferralRepository
from tests.support import CATALOG, SELLER, csv_bytes, read_csv, row, run_import

# Free text as people type it, including what a CSV or a spreadsheet finds awkward.
text = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff\ufffe\uffff"
        )
        | st.sampled_from([",", ";", '"', "'", "=", "+", "-", "@", "\n"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda s: s and "\n" not in s)
)
notes = st.none() | st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.just("\n"),
    min_size=1,
    max_size=80,
).map(str.strip).filter(bool)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
names = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzÀéüß' -", min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def referrals(draw: st.DrawFn) -> Referral:
    n_sol = draw(st.integers(1, 3))
    n_team = draw(st.integers(0, 2))
    team = [TeamMember("Sam", "Seller", None, SELLER)] + [
        TeamMember(
            draw(names),
            draw(names),
            draw(st.none() | st.just("+31 6 1234 5678")),
            f"member{i}@example.com",
        )
        for i in range(n_team)
    ]
    substatus = draw(st.sampled_from([Substatus.ACCEPTED, Substatus.WON]))
    status = Status.ACTIVE if substatus is Substatus.ACCEPTED else Status.CLOSED
    return Referral(
        id=str(uuid.uuid4()),
        engagement_id=str(uuid.uuid4()),
        direction=Direction.OUTGOING,
        deal_name=draw(text),
        customer_name=draw(text),
        address_1=draw(text),
        address_2=draw(st.none() | text),
        city=draw(text),
        state=draw(st.none() | text),
        postal_code=draw(st.none() | st.sampled_from(["98052", "08052", "1015 CX"])),
        country=draw(st.sampled_from(["US", "NL", "SE", "FR"])),
        duns=draw(st.none() | st.sampled_from(["081466849", "123456789"])),
        contact_first_name=None,
        contact_last_name=None,
        contact_phone=None,
        contact_email=None,
        status=status,
        substatus=substatus,
        ms_status=None,
        reason=None,
        sales_stage=100 if substatus is Substatus.WON else draw(st.sampled_from([10, 40, 80])),
        deal_value=draw(money),
        currency=draw(st.sampled_from(["USD", "EUR", "SEK"])),
        close_date=draw(dates),
        crm_id=draw(st.none() | text.map(lambda s: s[:100])),
        campaign_id=None,
        notes=draw(notes),
        notes_to_ms=None,
        help_required=False,
        help_code=None,
        share_with_ms=draw(st.booleans()),
        consent=True,
        solutions=tuple(
            SolutionLine(
                CATALOG[i],
                draw(st.none() | st.just("USD")),
                draw(st.none() | money),
                draw(st.none() | st.integers(1, 999)),
            )
            for i in range(n_sol)
        ),
        team=tuple(team),
        created_at=dt.datetime(2026, 1, 1),
        updated_at=dt.datetime(2026, 1, 1),
    )


formats = st.sampled_from([("csv", ","), ("csv", ";"), ("xlsx", ",")])
common = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def insert(world, refs):
    with world.db.write() as conn:
        ReferralRepository(conn, world.admin).insert_many(refs, world.admin.user_id)


def export(world, fmt, delimiter, lang=None):
    options = ExportOptions(ReferralFilters(), fmt, lang, delimiter)
    with world.db.reading() as uow:
        return export_referrals(uow, world.admin, options, world.settings).data


@common
@given(
    refs=st.lists(referrals(), min_size=1, max_size=4),
    fmt=formats,
    lang=st.sampled_from([None, "nl", "sv", "fr-fr", "ja-jp", "hu-hu"]),
)
def test_export_then_import_of_the_same_file_is_all_unchanged(world, refs, fmt, lang):
    insert(world, refs)
    data = export(world, fmt[0], fmt[1], lang)
    result = run_import(world, world.admin, data, name=f"export.{fmt[0]}")
    assert result.count("failed") == 0, result.failures
    assert result.count("unchanged") == result.count("rows")


EDITS = {
    "Deal Name": ("deal_name", "Renamed by the test"),
    "Notes": ("notes", "A new note,\nwith a comma"),
    "Estimated Deal Value": ("deal_value", Decimal("4242.42")),
    "Estimated Close Date": ("close_date", dt.date(2031, 7, 4)),
    "CRM ID": ("crm_id", "=CRM-NEW"),
    "Marketing Campaign ID": ("campaign_id", "Autumn"),
    "Sales Stage": ("sales_stage", 60),
}
SHOWN = {
    "Estimated Deal Value": "4242.42",
    "Estimated Close Date": "07/04/2031",
    "Sales Stage": "60",
}


@common
@given(
    refs=st.lists(referrals(), min_size=1, max_size=3),
    column=st.sampled_from(sorted(EDITS)),
    pick=st.integers(0, 2),
)
def test_changing_one_editable_field_updates_exactly_that_field(world, refs, column, pick):
    for ref in refs:
        ref.status, ref.substatus, ref.sales_stage = Status.ACTIVE, Substatus.ACCEPTED, 10
    insert(world, refs)
    target = refs[pick % len(refs)]
    rows = read_csv(export(world, "csv", ","))
    edited = next(r for r in rows if r["Referral ID"] == target.id)
    attr, value = EDITS[column]
    edited[column] = SHOWN.get(column, str(value))
    result = run_import(world, world.admin, csv_bytes(rows, list(rows[0])))
    assert result.count("failed") == 0, result.failures
    assert result.count("updated") == 1
    assert result.count("unchanged") == len(rows) - 1
    with world.db.read() as conn:
        after = ReferralRepository(conn, world.admin).get(target.id)
    assert after is not None and getattr(after, attr) == value
    for other in (
        "deal_name",
        "notes",
        "deal_value",
        "close_date",
        "crm_id",
        "campaign_id",
        "sales_stage",
        "solutions",
        "team",
        "customer_name",
        "postal_code",
    ):
        if other != attr:
            assert getattr(after, other) == getattr(target, other), other
    assert after.version == target.version + 1


@common
@given(n_good=st.integers(1, 4), n_bad=st.integers(0, 3), fmt=formats)
def test_results_file_reuploaded_creates_nothing(world, n_good, n_bad, fmt):
    rows = [row(Deal_Name=f"Deal {i} {uuid.uuid4().hex[:8]}") for i in range(n_good)]
    rows += [row(Currency="NOPE") for _ in range(n_bad)]
    data = csv_bytes(rows, delimiter=fmt[1])
    first = run_import(world, world.admin, data)
    assert first.count("created") == n_good
    again = run_import(world, world.admin, first.results or b"")
    assert again.count("created") == 0
    assert again.count("unchanged") == n_good and again.count("failed") == n_bad
