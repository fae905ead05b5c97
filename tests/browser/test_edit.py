"""Editing a deal on its page in a real browser (issue 10 §1): an edit done with the
keyboard alone, a refused edit with its message beside the field, a change saved
meanwhile in another browser, and the page in Dutch. Screenshots: edit-*.png."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN, PASSWORD, NewPage, Server, screenshot
from tests.support import VALID_BODY

pytestmark = pytest.mark.browser


def create_deal(server: Server, name: str) -> str:
    """A new deal of the admin, made through the API (not an import: the other scenarios
    count the admin's past imports); its Referral ID."""
    made = server.cli("token", "create", "--as", ADMIN)
    assert made.returncode == 0, made.stderr
    body = {
        **VALID_BODY,
        "deal_name": name,
        "status": "Active",
        "crm_id": f"CRM-{uuid.uuid4().hex[:10]}",
        "campaign_id": "BingSummer2020",
        "team_members": [{"first_name": "Ada", "last_name": "Admin", "email": ADMIN}],
    }
    request = urllib.request.Request(
        f"{server.url}/api/v1/referrals",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {made.stdout.strip()}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as answer:
        assert answer.status == 201
        return str(json.load(answer)["id"])


def focused(page: Page) -> str:
    """The focused element as `tag#id` (or its text, for links and buttons without id)."""
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : ':' + e.textContent.trim()); }"
        )
    )


def tab_to(page: Page, selector: str, *, limit: int = 120, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the element `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {selector} (at {focused(page)})")


def retype(page: Page, text: str) -> None:
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def test_edit_a_deal_with_the_keyboard_only(new_page: NewPage, server: Server) -> None:
    rid = create_deal(server, "Keyboard Deal")
    page = new_page(ADMIN)
    page.goto(f"/referrals/{rid}")
    tab_to(page, f'a[href="/referrals/{rid}/edit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/referrals/{rid}/edit")
    # every input is named by its label
    expect(page.get_by_label("Deal Name", exact=False).first).to_have_value("Keyboard Deal")
    tab_to(page, "#f-deal_name")
    retype(page, "Keyboard Deal, renamed")
    tab_to(page, "#f-sales_stage")
    page.keyboard.press("ArrowDown")  # 40% → 60%
    expect(page.locator("#f-sales_stage")).to_have_value("60")
    tab_to(page, "#f-notes")
    retype(page, "Typed without a mouse")
    # a solution added with its button, filled in, all by keyboard
    tab_to(page, "#f-solutions-add")
    page.keyboard.press("Enter")
    page.wait_for_selector("#f-solutions-1-solution_id:focus")
    page.keyboard.type("SOL-2001-AZML")
    expect(page.locator("#f-deal_name")).to_have_value("Keyboard Deal, renamed")
    screenshot(page, "edit-form")
    tab_to(page, "#edit-form .edit-actions button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/referrals/{rid}#history")
    expect(page.locator("h1.deal-title")).to_contain_text("Keyboard Deal, renamed")
    history = page.locator("#history li").first
    expect(history).to_contain_text("Web page")
    expect(history).to_contain_text("Typed without a mouse")
    expect(history).to_contain_text("SOL-2001-AZML")
    screenshot(page, "edit-saved")


def test_a_refused_edit_shows_the_message_beside_the_field(
    new_page: NewPage, server: Server
) -> None:
    rid = create_deal(server, "Refused Deal")
    page = new_page(ADMIN)
    page.goto(f"/referrals/{rid}/edit")
    tab_to(page, "#f-deal_value")
    retype(page, "12,5.x")
    page.keyboard.press("Enter")  # Enter in a field saves the form
    page.wait_for_selector("#edit-summary")
    # the focus moves to the summary, whose links lead to the fields
    assert focused(page) == "div#edit-summary"
    expect(page.locator("#f-deal_value-error")).to_contain_text('"12,5.x" is not valid')
    expect(page.locator("#f-deal_value")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-deal_value")).to_have_value("12,5.x")
    screenshot(page, "edit-refused")
    page.keyboard.press("Tab")
    assert focused(page).startswith("a:")
    page.keyboard.press("Enter")
    assert focused(page) == "input#f-deal_value"
    # choosing a closing status brings its reason field (htmx re-renders the form)
    page.locator("#f-deal_value").fill("12563.50")
    page.select_option("#f-status", "Closed/Lost")
    page.wait_for_selector("#f-reason")
    expect(page.locator("#f-reason option")).to_have_count(9)
    screenshot(page, "edit-reason")
    page.locator("#edit-form .edit-actions button.primary").click()
    expect(page.locator("#f-reason-error")).to_contain_text(
        "a reason is required when the substatus is Lost"
    )
    page.select_option("#f-reason", "3")
    page.locator("#edit-form .edit-actions button.primary").click()
    page.wait_for_url(f"**/referrals/{rid}#history")
    expect(page.locator(".banner")).to_contain_text("Lost")


def test_a_change_saved_meanwhile_in_another_browser(new_page: NewPage, server: Server) -> None:
    rid = create_deal(server, "Conflict Deal")
    mine, theirs = new_page(ADMIN), new_page(ADMIN)
    mine.goto(f"/referrals/{rid}/edit")
    theirs.goto(f"/referrals/{rid}/edit")
    theirs.locator("#f-notes").fill("Their notes")
    theirs.locator("#f-crm_id").fill("CRM-THEIRS")
    theirs.locator("#edit-form .edit-actions button.primary").click()
    theirs.wait_for_url(f"**/referrals/{rid}#history")
    # my page still holds version 1: saving it shows both values, nothing is overwritten
    tab_to(mine, "#f-notes")
    retype(mine, "My notes")
    tab_to(mine, "#edit-form .edit-actions button.primary")
    mine.keyboard.press("Enter")
    mine.wait_for_selector("#edit-summary.conflict")
    assert focused(mine) == "div#edit-summary"
    choice = mine.locator("#f-notes-choice")
    expect(choice).to_contain_text("My notes")
    expect(choice).to_contain_text("Their notes")
    expect(mine.locator("#choose-crm_id-theirs")).to_be_checked()
    screenshot(mine, "edit-conflict")
    tab_to(mine, "#choose-notes-mine")
    mine.keyboard.press("Space")
    expect(mine.locator("#choose-notes-mine")).to_be_checked()
    tab_to(mine, "#edit-form .edit-actions button.primary")
    mine.keyboard.press("Enter")
    mine.wait_for_url(f"**/referrals/{rid}#history")
    theirs.goto(f"/referrals/{rid}")
    notes = theirs.locator(".detail-grid")
    expect(notes).to_contain_text("My notes")
    expect(notes).to_contain_text("CRM-THEIRS")
    screenshot(theirs, "edit-after-conflict")


def test_the_edit_page_in_dutch(browser: Browser, server: Server) -> None:
    rid = create_deal(server, "Dutch Deal")
    context = browser.new_context(
        base_url=server.url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    try:
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/sign-in")
        page.fill("input[name=email]", ADMIN)
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(lambda url: "/sign-in" not in url)
        page.goto(f"/referrals/{rid}/edit")
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.locator("#edit-form .edit-actions button.primary")).to_have_text(
            "Wijzigingen opslaan"
        )
        expect(page.locator("label[for=f-deal_name]")).to_contain_text("Dealnaam")
        screenshot(page, "edit-nl")
    finally:
        context.close()
