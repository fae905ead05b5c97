"""The pages in process (rules §5.3): rendering, sign-in, CSRF, roles, uploads and exports."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
from markupsafe import escape

from cosell.domain.filters import ReferralFilters
from cosell.domain.job_types import ExportOptions, ImportOptions
from cosell.errors import FileRejected
from cosell.services import imports
from cosell.services.exports import export_referrals
from cosell.store.referrals import ReferralRepository
from tests.files.builders import zip_of
from tests.support import ADMIN, OTHER_ADMIN, SELLER, csv_bytes, read_csv, row, run_import
from tests.ui.conftest import form_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def create(world, actor=None, **changes):
    result = run_import(world, actor or world.admin, csv_bytes([row(**changes)]))
    assert result.count("created") == 1, result.failures
    return result.result_rows()[0]["Referral ID"]


def upload(client, data, name="deals.csv", **fields):
    token = form_token(client.get("/imports").text)
    return client.post(
        "/imports",
        data={"csrf_token": token, **fields},
        files={"file": (name, data, "application/octet-stream")},
    )


def found(pattern: str, page: str) -> str:
    """The first group of `pattern` on `page`; fails the test when it is not there."""
    match = re.search(pattern, page)
    assert match is not None, f"{pattern} is not on the page"
    return match.group(1)


def text(answer):
    """A page as a person reads it (entities decoded)."""
    return unescape(answer.text)


def service_message(world, data):
    with pytest.raises(FileRejected) as caught:
        imports.prepare(data, ImportOptions(), world.settings)
    return caught.value.message


# ------------------------------------------------------------------ sign-in
def test_pages_redirect_to_sign_in_and_back(make_client):
    client = make_client()
    answer = client.get("/imports", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/imports"
    page = client.get("/sign-in?next=/imports").text
    answer = client.post(
        "/sign-in",
        data={
            "email": ADMIN,
            "password": "password-123",
            "csrf_token": form_token(page),
            "next": "/imports",
        },
        follow_redirects=False,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/imports")
    assert "Import co-sell opportunities" in client.get("/imports").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_sign_in_never_redirects_off_site(make_client, target):
    client = make_client()
    page = client.get("/sign-in").text
    answer = client.post(
        "/sign-in",
        data={
            "email": ADMIN,
            "password": "password-123",
            "csrf_token": form_token(page),
            "next": target,
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_sign_in_form_without_its_token_is_refused(make_client):
    client = make_client()
    client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"email": ADMIN, "password": "password-123", "csrf_token": "forged"}
    )
    assert answer.status_code == 403
    assert "form had expired" in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out


def test_wrong_password_says_so_and_the_throttle_stops_guessing(make_client):
    client = make_client()
    for _ in range(5):
        page = client.get("/sign-in").text
        answer = client.post(
            "/sign-in",
            data={"email": SELLER, "password": "wrong-one", "csrf_token": form_token(page)},
        )
        assert answer.status_code == 401
        assert "The email or the password is not right." in answer.text
    page = client.get("/sign-in").text
    answer = client.post(
        "/sign-in",
        data={"email": SELLER, "password": "password-123", "csrf_token": form_token(page)},
    )
    assert answer.status_code == 429
    assert "Too many failed sign-ins for this email; wait 15 minutes" in answer.text


def test_sign_out_needs_the_csrf_token(make_client):
    client = make_client(ADMIN)
    assert client.post("/sign-out", data={"csrf_token": "nope"}).status_code == 403
    token = form_token(client.get("/").text)
    answer = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert answer.headers["location"] == "/sign-in"
    assert client.get("/", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------ the list
def test_list_shows_tabs_filters_and_the_import_export_links(world, make_client):
    create(world, Deal_Name="Alpha Deal")
    create(world, Deal_Name="Beta Deal", Currency="EUR", Customer_Country="NL")
    client = make_client(ADMIN)
    page = client.get("/?tab=outbound").text
    for text in ("Inbound", "Outbound", "Favorites", 'id="import-link"', 'id="export-link"'):
        assert text in page
    assert "Alpha Deal" in page and "Beta Deal" in page
    assert 'data-total="2"' in page
    assert "<svg" in page and "Deal value by sales stage" in page
    page = client.get("/?tab=outbound&country=nl").text
    assert "Beta Deal" in page and "Alpha Deal" not in page
    assert "Country: <strong>NL</strong>" in page
    page = client.get("/?tab=inbound").text
    assert 'data-total="0"' in page


def test_short_search_is_explained_not_run(world, make_client):
    create(world, Deal_Name="Alpha Deal")
    client = make_client(ADMIN)
    page = client.get("/?tab=outbound&q=al").text
    assert "Search needs at least 3 characters" in page
    assert 'data-total="1"' in page
    page = client.get("/?tab=outbound&q=zzz").text
    assert 'data-total="0"' in page


def test_a_filter_value_not_understood_is_reported_and_ignored(world, make_client):
    create(world)
    client = make_client(ADMIN)
    page = text(client.get("/?tab=outbound&value_min=ten&close_from=31/01/2027&status=Open"))
    assert 'Value from "ten": expected a plain number' in page
    assert 'Closing from "31/01/2027": expected a date such as 2027-01-30' in page
    assert 'Status "Open" is not one of New, Active, Closed' in page
    assert 'data-total="1"' in page


def test_sorting_and_paging_links_keep_the_filters(world, make_client):
    for i in range(30):
        create(world, Deal_Name=f"Deal {i:02d}")
    client = make_client(ADMIN)
    page = text(client.get("/?tab=outbound&sort=deal_name&currency=usd"))
    assert "page 1 of 2" in page
    assert page.index("Deal 00") < page.index("Deal 01")
    assert "/?tab=outbound&currency=USD&sort=deal_name&page=2" in page
    page = client.get("/?tab=outbound&sort=-deal_name&page=2").text
    assert "Deal 00" in page and "Deal 29" not in page
    assert client.get("/?tab=outbound&page=9", follow_redirects=False).status_code == 303


def test_favorite_toggle_needs_the_csrf_token(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    refused = client.post(f"/referrals/{rid}/favorite", data={"on": "1"})
    assert refused.status_code == 403
    assert "did not come from this site" in refused.text
    assert "text/html" in refused.headers["content-type"]
    token = form_token(client.get("/").text)
    answer = client.post(
        f"/referrals/{rid}/favorite",
        data={"on": "1"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert 'aria-pressed="true"' in answer.text and "<html" not in answer.text
    assert 'data-total="1"' in client.get("/?tab=favorites").text


def test_referrals_user_sees_only_their_deals(world, make_client):
    mine = create(world, Deal_Name="Seller Deal")
    theirs = create(world, Deal_Name="Other Deal", Team_member_1=f"Ann, Admin, , {ADMIN}")
    client = make_client(SELLER)
    page = client.get("/?tab=outbound").text
    assert "Seller Deal" in page and "Other Deal" not in page
    assert client.get(f"/referrals/{mine}").status_code == 200
    hidden = client.get(f"/referrals/{theirs}")
    assert hidden.status_code == 404
    assert f"Referral ID {theirs} was not found" in hidden.text
    assert "Users" not in client.get("/").text.split("</nav>")[0]


# ------------------------------------------------------------------ detail
def test_detail_shows_fields_team_solutions_and_history(world, make_client):
    rid = create(world, Deal_Name="History Deal")
    result = run_import(
        world,
        world.admin,
        csv_bytes([{"Referral ID": rid, "Notes": "Second call done", "Sales Stage": "60"}]),
    )
    assert result.count("updated") == 1
    page = make_client(ADMIN).get(f"/referrals/{rid}").text
    for text in ("History Deal", "Contoso Corporation", "SOL-1234-PQRS", SELLER, "98052"):
        assert text in page
    assert "Updated</strong> by" in page and "File import" in page
    assert "Notes" in page and "This is a sample note" in page and "Second call done" in page
    assert "Created</strong> by" in page


def test_referral_of_another_organization_is_not_found(world, make_client):
    rid = create(world)
    answer = make_client(OTHER_ADMIN).get(f"/referrals/{rid}")
    assert answer.status_code == 404
    assert "was not found" in answer.text


# ------------------------------------------------------------------ import
def test_upload_shows_the_summary_and_results_in_both_formats(world, make_client):
    client = make_client(ADMIN)
    data = csv_bytes([row(Deal_Name="Good"), row(Deal_Name="Bad", Customer_Name="")])
    answer = upload(client, data)
    assert answer.status_code == 200 and answer.url.path == "/imports"
    card = answer.text.split('id="last-file"')[1].split("</section>")[0]
    assert 'data-count="created">1<' in card
    assert 'data-count="failed">1<' in card
    assert "Row 3:</strong> Customer Name: Mandatory field Customer Name missing" in card
    job_id = found(r"/imports/([0-9a-f-]+)/results\?format=csv", card)
    results = client.get(f"/imports/{job_id}/results?format=csv")
    assert results.headers["content-type"].startswith("text/csv")
    assert "deals-results.csv" in results.headers["content-disposition"]
    rows = read_csv(results.content)
    assert [r["Import Result"] for r in rows] == ["Created", "Failed"]
    xlsx = client.get(f"/imports/{job_id}/results?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    assert "deals-results.xlsx" in xlsx.headers["content-disposition"]
    assert make_client(SELLER).get(f"/imports/{job_id}/results").status_code == 404


def test_dry_run_is_labelled_and_changes_nothing(world, make_client):
    client = make_client(ADMIN)
    page = upload(client, csv_bytes([row()]), dry_run="1").text
    assert "Dry run: nothing was changed" in page
    assert 'data-total="0"' in client.get("/?tab=outbound").text


@pytest.mark.parametrize(
    "name, data",
    [
        ("empty.csv", b""),
        ("picture.csv", PNG),
        ("only-header.csv", csv_bytes([])),
        ("solution-51.csv", csv_bytes([row()], [*row().keys(), "Solution 51"])),
        ("twice.csv", csv_bytes([row()], [*row().keys(), "Deal Name"])),
        ("broken.xlsx", zip_of({"xl/workbook.xml": b"<nope"})),
    ],
)
def test_every_rejected_file_shows_the_service_message(world, make_client, name, data):
    client = make_client(ADMIN)
    page = upload(client, data, name=name).text
    card = page.split('id="last-file"')[1].split("</section>")[0]
    assert "The file was not processed." in card
    assert str(escape(service_message(world, data))) in card
    assert "Traceback" not in page


def test_too_many_rows_is_rejected_with_the_count(world, make_client):
    client = make_client(ADMIN, max_import_rows=3)
    page = upload(client, csv_bytes([row()] * 4)).text
    assert "The file has 4 records; at most 3 can be processed" in page


def test_oversize_and_missing_files_are_refused_on_the_page(make_client):
    client = make_client(ADMIN, max_upload_bytes=100)
    answer = upload(client, b"x" * 101)
    assert answer.status_code == 422
    assert "The file is 101 bytes; at most 100 bytes can be processed." in text(answer)
    token = form_token(client.get("/imports").text)
    answer = client.post("/imports", data={"csrf_token": token}, files={"file": ("", b"")})
    assert answer.status_code == 422
    assert "Choose a file to upload." in answer.text


def test_upload_without_the_csrf_token_is_refused(make_client):
    client = make_client(ADMIN)
    answer = client.post("/imports", files={"file": ("a.csv", csv_bytes([row()]))})
    assert answer.status_code == 403
    assert "Past imports" not in answer.text


@pytest.mark.parametrize("fmt, magic", [("csv", b"\xef\xbb\xbfErrors"), ("xlsx", b"PK")])
def test_template_download(make_client, fmt, magic):
    answer = make_client(ADMIN).get(f"/imports/template?format={fmt}&lang=fr-fr")
    assert answer.status_code == 200
    assert answer.content.startswith(magic) or fmt == "csv"
    assert f"co-sell-template-fr-fr.{fmt}" in answer.headers["content-disposition"]


def test_bad_template_choices_get_an_error_page(make_client):
    client = make_client(ADMIN)
    answer = client.get("/imports/template?format=pdf")
    assert answer.status_code == 422 and "text/html" in answer.headers["content-type"]
    answer = client.get("/imports/template?lang=klingon")
    assert answer.status_code == 400 and 'Unknown language "klingon"' in text(answer)


# ------------------------------------------------------------------ export
def test_export_uses_the_tab_and_filters_and_announces_the_file(world, make_client):
    create(world, Deal_Name="Dollar Deal")
    create(world, Deal_Name="Euro Deal", Currency="EUR")
    client = make_client(ADMIN)
    page = client.get("/?tab=outbound&currency=EUR").text
    form = page.split('id="export-form"')[1].split("</form>")[0]
    fields = {
        name: unescape(value)
        for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }
    assert fields["currency"] == "EUR" and fields["tab"] == "outbound"
    answer = client.post("/exports", data={**fields, "format": "csv", "lang": "en"})
    assert answer.status_code == 200 and answer.url.query == b"tab=outbound&currency=EUR"
    assert "Your export is ready: 1 exported" in answer.text
    job_id = found(r"/exports/([0-9a-f-]+)/file", answer.text)
    exported = client.get(f"/exports/{job_id}/file")
    assert [r["Deal Name"] for r in read_csv(exported.content)] == ["Euro Deal"]
    assert "Your export is ready" not in client.get("/").text  # seen once downloaded
    past = client.get("/exports").text
    assert f"/exports/{job_id}/file" in past and "Currency: EUR" in past


def test_export_in_another_language_and_format(world, make_client):
    create(world)
    client = make_client(ADMIN)
    token = form_token(client.get("/").text)
    client.post(
        "/exports",
        data={"csrf_token": token, "tab": "outbound", "format": "xlsx", "lang": "nl-nl"},
    )
    page = client.get("/exports").text
    job_id = found(r"/exports/([0-9a-f-]+)/file", page)
    answer = client.get(f"/exports/{job_id}/file")
    assert answer.content[:2] == b"PK"
    assert ".xlsx" in answer.headers["content-disposition"]
    from cosell.files.reader import read_table

    table = read_table(answer.content, header_score=lambda cells: 1)
    assert "Dealnaam" in table.headers


def test_export_notice_can_be_closed(world, make_client):
    create(world)
    client = make_client(ADMIN)
    token = form_token(client.get("/").text)
    client.post("/exports", data={"csrf_token": token, "tab": "outbound"})
    page = client.get("/").text
    job_id = found(r"/exports/([0-9a-f-]+)/seen", page)
    answer = client.post(
        f"/exports/{job_id}/seen", headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert answer.status_code == 200 and "Your export is ready" not in answer.text
    assert "Your export is ready" not in client.get("/").text


def test_another_users_export_cannot_be_downloaded(world, make_client):
    create(world)
    client = make_client(ADMIN)
    token = form_token(client.get("/").text)
    client.post("/exports", data={"csrf_token": token, "tab": "outbound"})
    job_id = found(r"/exports/([0-9a-f-]+)/file", client.get("/exports").text)
    assert make_client(SELLER).get(f"/exports/{job_id}/file").status_code == 404
    assert make_client(OTHER_ADMIN).get(f"/exports/{job_id}/file").status_code == 404


# ------------------------------------------------------------------ admin
def test_admin_pages_are_for_admins_only(make_client):
    seller = make_client(SELLER)
    for path in ("/admin/users", "/admin/solutions"):
        answer = seller.get(path)
        assert answer.status_code == 403
        assert "Only a Referrals admin may do this" in text(answer)
    token = form_token(seller.get("/").text)
    answer = seller.post(
        "/admin/users",
        data={"csrf_token": token, "email": "x@org-a.example", "password": "long-enough"},
    )
    assert answer.status_code == 403


def test_admin_adds_a_user_who_can_sign_in(make_client):
    admin = make_client(ADMIN)
    token = form_token(admin.get("/admin/users").text)
    answer = admin.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "New.Person@org-a.example",
            "name": "New Person",
            "role": "user",
            "password": "a-good-password",
        },
    )
    assert "New.Person@org-a.example was added." in answer.text
    assert "New Person" in answer.text
    newcomer = make_client()
    from tests.ui.conftest import sign_in

    sign_in(newcomer, "new.person@org-a.example", "a-good-password")
    assert "Referrals user" in newcomer.get("/").text
    again = admin.post(
        "/admin/users",
        data={"csrf_token": token, "email": "new.person@org-a.example", "password": "whatever1"},
    )
    assert again.status_code == 422 and "already exists" in again.text


def test_admin_user_without_password_gets_one_generated(make_client):
    admin = make_client(ADMIN)
    token = form_token(admin.get("/admin/users").text)
    page = admin.post(
        "/admin/users", data={"csrf_token": token, "email": "gen@org-a.example", "role": "admin"}
    ).text
    password = found(r'id="generated-password">([^<]+)<', page)
    from tests.ui.conftest import sign_in

    newcomer = make_client()
    sign_in(newcomer, "gen@org-a.example", password)
    assert "Users" in newcomer.get("/").text


def test_admin_adds_a_solution(make_client):
    admin = make_client(ADMIN)
    token = form_token(admin.get("/admin/solutions").text)
    page = admin.post(
        "/admin/solutions",
        data={"csrf_token": token, "solution_id": "SOL-9999-NEWS", "name": "Brand new"},
    ).text
    assert "SOL-9999-NEWS is in the catalog." in page and "Brand new" in page
    page = admin.post(
        "/admin/solutions", data={"csrf_token": token, "solution_id": "not an id!"}
    ).text
    assert "is not a solution ID" in page
    assert "SOL-9999-NEWS" not in make_client(OTHER_ADMIN).get("/admin/solutions").text


# ------------------------------------------------------------------ errors
def test_unknown_page_is_an_html_404_and_the_api_keeps_json(make_client):
    client = make_client(ADMIN)
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "There is no page at /no/such/page." in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_unexpected_errors_get_a_500_page_without_a_traceback(make_client):
    client = make_client(ADMIN)

    def boom() -> None:
        raise RuntimeError("secret internals")

    client.app.router.add_api_route("/boom", boom)
    client.app.router.add_api_route("/api/v1/boom", boom)
    page = client.get("/boom")
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    assert "Something went wrong on our side" in page.text
    assert "secret internals" not in page.text and "Traceback" not in page.text
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.json()["status"] == 500


def test_static_files_are_served(make_client):
    client = make_client()
    assert client.get("/static/htmx-2.0.11.min.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    assert b"Zero-Clause BSD" in client.get("/static/htmx-LICENSE.txt").content


def test_phone_width_styles_turn_tables_into_cards(make_client):
    css = make_client().get("/static/app.css").text
    assert "@media (max-width: 760px)" in css
    assert "td[data-label]::before" in css
    assert io.StringIO(css).read().count("{") == css.count("}")


def test_sign_in_redirect_keeps_the_filters_of_the_list(make_client):
    client = make_client()
    answer = client.get("/?tab=outbound&country=NL", follow_redirects=False)
    assert answer.headers["location"] == "/sign-in?next=/%3Ftab%3Doutbound%26country%3DNL"
    page = client.get(answer.headers["location"]).text
    assert 'value="/?tab=outbound&amp;country=NL"' in page


def test_the_import_page_offers_the_round_trip_options(world, make_client):
    """Overwrite newer changes, allow duplicates and the date order (detected from the
    file by default) are on the page, and each changes what the upload does."""
    client = make_client(ADMIN)
    page = client.get("/imports").text
    assert 'name="overwrite_newer"' in page and 'name="allow_duplicates"' in page
    assert '<option value="" selected>Detect from the file' in page

    first = csv_bytes([row(Deal_Name="Twice", CRM_ID="CRM-TWICE")])
    assert 'data-count="created">1<' in upload(client, first).text
    lookalike = csv_bytes([row(Deal_Name="Twice", CRM_ID="CRM-TWICE", Notes="other notes")])
    refused = text(upload(client, lookalike))
    assert "looks like a duplicate of referral" in refused
    allowed = upload(client, lookalike, allow_duplicates="1").text
    assert 'data-count="created">1<' in allowed

    with world.db.reading() as uow:
        exported = export_referrals(uow, world.admin, ExportOptions(), world.settings)
    lines = read_csv(exported.data)
    first_copy = [dict(line, Notes="first person") for line in lines]
    second_copy = [dict(line, Notes="second person") for line in lines]
    assert 'data-count="updated">2<' in upload(client, csv_bytes(first_copy)).text
    stale = text(upload(client, csv_bytes(second_copy)))
    assert 'data-count="failed">2<' in stale and "changed since you exported it" in stale
    forced = upload(client, csv_bytes(second_copy), overwrite_newer="1").text
    assert 'data-count="updated">2<' in forced

    reason = csv_bytes([row(Deal_Name="With a reason", **{"Declined/Lost reason": "6"})])
    card = text(upload(client, reason)).split('id="last-file"')[1].split("</section>")[0]
    assert "1 row has a remark" in card
    assert "Row 2:</strong> Declined/Lost reason ignored: a reason applies only" in card

    day_first = csv_bytes([row(Deal_Name="Dated", Estimated_Close_Date="03/04/2027")])
    upload(client, day_first, date_order="DMY")
    with world.db.read() as conn:
        [dated] = [
            r
            for r in ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=10)
            if r.deal_name == "Dated"
        ]
    assert dated.close_date == dt.date(2027, 4, 3)
