"""What a sales-ops person does in the browser (rules §5.3), against a real `cosell serve`.

Each scenario signs in through the sign-in page and works only through the
pages: filter, export and download, upload a file with errors, fix the failed
rows in the results file and upload it again, and the admin pages. Screenshots
of the main pages land in `test-artifacts/screenshots/`.
"""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.conftest import (
    ADMIN,
    OTHER_ADMIN,
    OTHER_PASSWORD,
    SELLER,
    NewPage,
    Server,
    screenshot,
)
from tests.support import csv_bytes, read_csv, row

pytestmark = pytest.mark.browser

FINISHED = ", ".join(f"#last-file[data-status={s}]" for s in ("completed", "rejected", "failed"))
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def deal(name: str, **changes: str) -> dict[str, str]:
    return row(
        Deal_Name=name,
        CRM_ID=f"CRM-{uuid.uuid4().hex[:10]}",
        Team_member_1=f"Ada, Admin, , {ADMIN}",
        **changes,
    )


def upload(page: Page, name: str, data: bytes, *, content_type: str = "text/csv") -> str:
    """Upload through the import page; returns the card's status right after the upload."""
    page.goto("/imports")
    page.set_input_files(
        "#upload-form input[name=file]",
        files=[FilePayload(name=name, mimeType=content_type, buffer=data)],
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/imports#last-file")
    return page.get_attribute("#last-file", "data-status") or ""


def card_counts(page: Page) -> dict[str, int]:
    return {
        key: int(page.text_content(f"#last-file [data-count={key}]") or "-1")
        for key in ("created", "updated", "unchanged", "failed")
    }


def download(page: Page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    path = info.value.path()
    return path.read_bytes()


def total(page: Page) -> int:
    return int(page.get_attribute("#result-count", "data-total") or "-1")


def referral_ids(page: Page) -> list[str]:
    ids = page.locator("tr[data-referral]").evaluate_all("rs => rs.map(r => r.dataset.referral)")
    return [str(i) for i in ids]


def every_referral_id(page: Page, url: str) -> list[str]:
    """The IDs on every page of a list."""
    page.goto(url)
    found = referral_ids(page)
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        found += referral_ids(page)
    return found


def to_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode()


# ---------------------------------------------------------------------------
def test_sign_in_filter_sort_search_and_star(new_page: NewPage) -> None:
    page = new_page()
    page.goto("/")
    expect(page).to_have_url("/sign-in?next=/")
    screenshot(page, "sign-in")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", "not-the-password")
    page.click("form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text("The email or the password is not right.")
    page.fill("input[name=password]", "cosell-demo-2026")
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Co-sell opportunities")
    expect(page.locator(".tabs a[aria-current=page]")).to_have_text("Inbound")
    expect(page.locator("#import-link")).to_be_visible()
    expect(page.locator("#export-link")).to_be_visible()
    expect(page.locator("svg.bars")).to_be_visible()
    screenshot(page, "opportunities-1280")

    page.click(".tabs a:has-text('Outbound')")
    everything = total(page)
    page.click("details.filters > summary")
    page.check("input[name=status][value=Closed]")
    page.click("text=Apply filters")
    expect(page).to_have_url("/?tab=outbound&status=Closed")
    closed = total(page)
    assert 0 < closed < everything
    statuses = page.locator("table.referrals tbody .status").all_text_contents()
    assert statuses and set(statuses) == {"Closed"}
    expect(page.locator(".chip")).to_contain_text("Status: Closed")

    page.click("th a.sort:has-text('Deal value')")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    assert total(page) == closed  # sorting keeps the filters

    page.fill("input[name=q]", "ab")
    page.click("#filters button:has-text('Search')")
    expect(page.locator(".alert.warning")).to_contain_text("Search needs at least 3 characters")
    assert total(page) == closed

    first = page.locator("table.referrals tbody tr").first
    referral_id = first.get_attribute("data-referral")
    page.evaluate("window.__stayed = true")
    first.locator("button.star").click()
    expect(first.locator("button.star")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__stayed === true")  # toggled in place by htmx
    page.click(".tabs a:has-text('Favorites')")
    expect(page.locator(f"tr[data-referral='{referral_id}']")).to_be_visible()
    page.locator(f"tr[data-referral='{referral_id}'] button.star").click()
    expect(page.locator(f"tr[data-referral='{referral_id}'] button.star")).to_have_attribute(
        "aria-pressed", "false"
    )


def test_phone_width_shows_cards_without_sideways_scrolling(new_page: NewPage) -> None:
    page = new_page(ADMIN, width=390)
    screenshot(page, "opportunities-390", full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    first_row = page.locator("table.referrals tbody tr").first
    expect(first_row).to_be_visible()
    # rows are cards: the cell shows its column name
    label = page.evaluate(
        "getComputedStyle(document.querySelector('td[data-label=Customer]'), '::before').content"
    )
    assert label == '"Customer"'
    page.locator("td.deal a").first.click()
    expect(page.locator("#history-title")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "detail-390", full_page=False)


def test_export_follows_tab_and_filters_and_downloads(new_page: NewPage) -> None:
    page = new_page(ADMIN)
    page.goto("/?tab=outbound&status=Active&currency=EUR")
    expected = total(page)
    assert expected > 0
    page.click("#export-link")
    expect(page.locator("#export-form")).to_be_visible()
    page.click("#export-form button[type=submit]")
    expect(page).to_have_url("/?tab=outbound&status=Active&currency=EUR")
    ready = page.locator("#export-notice [data-export=completed]")
    expect(ready).to_be_visible(timeout=30_000)  # the notice polls until the file is ready
    data = download(page, "#export-notice a[data-download=export]")
    rows = read_csv(data)
    assert len(rows) == expected
    assert {r["Partner Referral Status"] for r in rows} == {"Active"}
    assert {r["Currency"] for r in rows} == {"EUR"}
    page.goto("/exports")
    expect(page.locator("#past-exports tbody tr").first).to_contain_text("Outbound")
    expect(page.locator("#past-exports tbody tr").first).to_contain_text(f"{expected} exported")
    screenshot(page, "exports")


def test_upload_fix_the_failed_rows_and_upload_the_results_again(new_page: NewPage) -> None:
    page = new_page(ADMIN)
    tag = f"Browser {uuid.uuid4().hex[:6]}"
    rows = [
        deal(f"{tag} Alpha"),
        deal(f"{tag} Beta"),
        deal(f"{tag} Gamma", Customer_Name="", Solution_1="SOL-0000-NONE"),
    ]
    first_status = upload(page, "pipeline.csv", csv_bytes(rows))
    page.evaluate("window.__stayed = true")
    if first_status in ("queued", "running"):
        # the card polls while the job runs, then shows the summary in place
        expect(page.locator("#last-file")).to_have_attribute("hx-trigger", "every 1s")
        expect(page.locator(".progress-text")).to_be_visible()
    page.wait_for_selector(FINISHED, timeout=30_000)
    assert page.evaluate("window.__stayed === true")
    assert page.get_attribute("#last-file", "data-status") == "completed"
    assert card_counts(page) == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    failures = page.locator("#last-file details.failures")
    failures.locator("summary").click()
    expect(failures).to_contain_text("Mandatory field Customer Name missing")
    expect(failures).to_contain_text("SOL-0000-NONE")
    screenshot(page, "import")

    results = read_csv(download(page, "#last-file a[data-download=results-csv]"))
    assert [r["Import Result"] for r in results] == ["Created", "Created", "Failed"]
    assert results[0]["Referral ID"] and not results[2]["Referral ID"]
    assert "Customer Name" in results[2]["Errors"]
    xlsx = download(page, "#last-file a[data-download=results-xlsx]")
    assert xlsx[:2] == b"PK"

    # Fix the failed row, change one note, and upload the whole results file again.
    results[2]["Customer Name"] = "Gamma Corporation"
    results[2]["Solution 1"] = "SOL-1234-PQRS"
    results[0]["Notes"] = "Call the customer on Monday"
    upload(page, "pipeline-results.csv", to_csv(results))
    page.wait_for_selector(FINISHED, timeout=30_000)
    assert card_counts(page) == {"created": 1, "updated": 1, "unchanged": 1, "failed": 0}
    # the past imports table refreshes itself when the card sees the job finish
    expect(page.locator("#past-imports tbody tr")).to_have_count(2)
    expect(page.locator("#past-imports tbody tr").first).to_contain_text("Completed")

    page.goto(f"/?tab=outbound&q={tag.replace(' ', '+')}")
    assert total(page) == 3  # nothing created twice
    names = page.locator("td.deal a").all_text_contents()
    assert sorted(names) == [f"{tag} Alpha", f"{tag} Beta", f"{tag} Gamma"]

    page.click(f"td.deal a:has-text('{tag} Alpha')")
    history = page.locator("#history")
    expect(history).to_contain_text("Updated by Ada Admin")
    expect(history).to_contain_text("File import")
    change = history.locator("table.changes tr", has_text="Notes")
    expect(change.locator(".before")).to_have_text("This is a sample note")
    expect(change.locator(".after")).to_have_text("Call the customer on Monday")
    expect(page.locator("#team-title")).to_have_text("Team (1)")
    expect(page.locator("#solutions-title")).to_have_text("Solutions (1)")
    screenshot(page, "detail")


def test_a_renamed_picture_gets_the_same_message_as_the_command_line(
    new_page: NewPage, server: Server
) -> None:
    picture = server.workdir / "picture.csv"
    picture.write_bytes(PNG)
    done = server.cli("import", str(picture), "--as", SELLER, "--json")
    assert done.returncode == 2, done.stderr
    [message] = json.loads(done.stdout)["errors"]
    assert "PNG" in message

    page = new_page(SELLER)
    upload(page, "picture.csv", PNG)
    page.wait_for_selector(FINISHED, timeout=30_000)
    assert page.get_attribute("#last-file", "data-status") == "rejected"
    expect(page.locator("#last-file .file-error")).to_have_text(message)
    expect(page.locator("#last-file")).to_contain_text("Nothing was changed.")
    expect(page.locator("#past-imports tbody tr").first).to_contain_text("Rejected")


def test_a_referrals_user_sees_only_their_deals(new_page: NewPage) -> None:
    admin = new_page(ADMIN)
    seller = new_page(SELLER)
    expect(seller.locator(".me-name")).to_contain_text("Referrals user")
    expect(seller.locator(".mainnav")).not_to_contain_text("Users")
    for tab in ("inbound", "outbound"):
        seller.goto(f"/?tab={tab}&size=100")
        admin.goto(f"/?tab={tab}&size=100&team={SELLER}")
        assert total(seller) == total(admin)
        admin.goto(f"/?tab={tab}&size=100")
        assert total(seller) < total(admin)
    mine = set(every_referral_id(seller, "/?tab=outbound&size=100"))
    admin.goto("/?tab=outbound&size=100")
    everyone = referral_ids(admin)
    hidden = next(r for r in everyone if r not in mine)
    answer = seller.goto(f"/referrals/{hidden}")
    assert answer is not None and answer.status == 404
    expect(seller.locator(".error-message")).to_contain_text(f"Referral ID {hidden} was not found")
    seller.goto(f"/referrals/{next(iter(mine))}")
    expect(seller.locator("#team-title + .table-wrap")).to_contain_text(SELLER)
    answer = seller.goto("/admin/users")
    assert answer is not None and answer.status == 403
    expect(seller.locator(".error-message")).to_have_text("Only a Referrals admin may do this")

    other = new_page(OTHER_ADMIN, password=OTHER_PASSWORD)
    for tab in ("inbound", "outbound"):
        other.goto(f"/?tab={tab}")
        assert total(other) == 0


def test_an_admin_adds_a_user_and_a_solution(new_page: NewPage) -> None:
    page = new_page(ADMIN)
    email = f"new.{uuid.uuid4().hex[:6]}@contoso.example"
    page.click(".mainnav a:has-text('Users')")
    page.fill("#add-user-form input[name=email]", email)
    page.fill("#add-user-form input[name=name]", "Nia Newcomer")
    page.select_option("#add-user-form select[name=role]", "user")
    page.fill("#add-user-form input[name=password]", "newcomer-pass-1")
    page.click("#add-user-form button[type=submit]")
    expect(page.locator("#added")).to_contain_text(f"{email} was added.")
    expect(page.locator(f"tr[data-email='{email}']")).to_contain_text("Referrals user")
    screenshot(page, "admin-users")

    page.click(".mainnav a:has-text('Solutions')")
    page.fill("#add-solution-form input[name=solution_id]", "SOL-7777-BRWS")
    page.fill("#add-solution-form input[name=name]", "Browser Suite")
    page.click("#add-solution-form button[type=submit]")
    expect(page.locator("tr[data-solution='SOL-7777-BRWS']")).to_contain_text("Browser Suite")
    page.fill("#add-solution-form input[name=solution_id]", "not a solution id")
    page.click("#add-solution-form button[type=submit]")
    expect(page.locator("#form-error")).to_contain_text("is not a solution ID")
    screenshot(page, "admin-solutions")

    newcomer = new_page(email, password="newcomer-pass-1")
    expect(newcomer.locator(".me-name")).to_contain_text("Nia Newcomer")
    newcomer.goto("/?tab=outbound")
    assert total(newcomer) == 0  # on no deal's team yet
    newcomer.click("#filters button:has-text('Search')")
    newcomer.click(".me form button:has-text('Sign out')")
    expect(newcomer).to_have_url("/sign-in")
