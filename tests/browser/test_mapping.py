"""The mapping step in the browser (issue 10 §3): a Salesforce export is uploaded, the
suggested mapping is shown, one column is changed, the mapping is saved as a profile
and the file imported; then the step in Dutch, Swedish and French."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.conftest import NewPage, Server, screenshot
from tests.crm import SAMPLES

pytestmark = pytest.mark.browser

FINISHED = ", ".join(f"#last-file[data-status={s}]" for s in ("completed", "rejected", "failed"))

#: An organization of its own, so that the imports made here are in no other
#: scenario's lists (an admin sees the past imports of the whole organization).
MAPPING_ORG = "Northwind Mapping"
MAPPER = "mapper@northwind.example"
MAPPER_PASSWORD = "mapper-pass-2026"


@pytest.fixture(scope="module", autouse=True)
def mapper(server: Server) -> None:
    for command in (
        ["org", "create", MAPPING_ORG],
        ["user", "add", MAPPER, "--org", MAPPING_ORG, "--role", "admin",
         "--password", MAPPER_PASSWORD, "--name", "Mia Mapper"],
        ["solution", "add", "SOL-1234-PQRS", "--org", MAPPING_ORG, "--name", "Data Platform"],
    ):  # fmt: skip
        done = server.cli(*command)
        assert done.returncode == 0, done.stderr


def to_mapping_step(page: Page, key: str = "salesforce") -> None:
    sample = SAMPLES[key]
    page.goto("/imports")
    page.set_input_files(
        "#upload-form input[name=file]",
        files=[FilePayload(name=sample.file, mimeType="text/csv", buffer=sample.path.read_bytes())],
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#mapping-form")


def column_select(page: Page, header: str) -> str:
    label = page.locator(f"label[for^=col_]:text-is('{header}')")
    return f"#{label.get_attribute('for')}"


def test_map_a_salesforce_export_save_the_profile_and_import(new_page: NewPage) -> None:
    page = new_page(MAPPER, password=MAPPER_PASSWORD)
    to_mapping_step(page)
    expect(page.locator("h1")).to_contain_text("salesforce_opportunities.csv")
    expect(page.locator(column_select(page, "Opportunity Name"))).to_have_value("Deal Name")
    expect(page.locator(column_select(page, "Stage"))).to_have_value("Partner Referral Status")
    expect(page.locator(column_select(page, "Opportunity Owner"))).to_have_value("")
    screenshot(page, "mapping-suggested")

    # One column changed: the owner goes to Notes instead of the description.
    page.select_option(column_select(page, "Description"), "")
    page.select_option(column_select(page, "Opportunity Owner"), "Notes")
    currency = page.locator(".mapping-values label:has-text('Currency') input[type=text]")
    currency.fill("USD")
    name = f"Salesforce {uuid.uuid4().hex[:6]}"
    page.fill("#save-as", name)
    screenshot(page, "mapping-edited")
    page.click("#mapping-import")
    page.wait_for_url("**/imports#last-file")
    page.wait_for_selector(FINISHED, timeout=30_000)
    assert page.get_attribute("#last-file", "data-status") == "completed"
    created = int(page.text_content("#last-file [data-count=created]") or "-1")
    failed = int(page.text_content("#last-file [data-count=failed]") or "-1")
    assert (created, failed) == (10, 5)
    expect(page.locator("#last-file")).to_contain_text("Billing City: Mandatory field")
    screenshot(page, "mapping-results")

    # The saved profile is offered for the next file, and applies to it.
    to_mapping_step(page, "hubspot")
    expect(page.locator("#profile-select")).to_contain_text(name)
    page.select_option("#profile-select", "HubSpot deals")
    page.click("#apply-profile")
    page.wait_for_selector("#mapping-form")
    expect(page.locator(column_select(page, "Associated Company"))).to_have_value("Customer Name")
    screenshot(page, "mapping-profile-applied")


def test_the_mapping_step_works_from_the_keyboard(new_page: NewPage) -> None:
    page = new_page(MAPPER, password=MAPPER_PASSWORD)
    to_mapping_step(page, "dynamics365")
    select = column_select(page, "Owner")
    page.focus(select)
    page.keyboard.press("ArrowDown")  # — ignore — → the first of our columns
    expect(page.locator(select)).not_to_have_value("")
    page.focus("#save-as")
    page.keyboard.press("Tab")
    expect(page.locator("#mapping-import")).to_be_focused()


@pytest.mark.parametrize(
    ("locale", "title", "shot"),
    [
        ("nl-NL", "Koppel de kolommen", "mapping-nl"),
        ("sv-SE", "Mappa kolumnerna", "mapping-sv"),
        ("fr-FR", "Associez les colonnes", "mapping-fr"),
    ],
)
def test_the_mapping_step_in_the_readers_language(
    browser: Browser, server: Server, locale: str, title: str, shot: str
) -> None:
    context = browser.new_context(
        base_url=server.url, locale=locale, viewport={"width": 1280, "height": 900}
    )
    try:
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/sign-in")
        page.fill("input[name=email]", MAPPER)
        page.fill("input[name=password]", MAPPER_PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        to_mapping_step(page)
        expect(page.locator("h1")).to_contain_text(title)
        assert page.get_attribute("html", "lang") == locale.split("-")[0]
        screenshot(page, shot)
    finally:
        context.close()
