"""The pages in Dutch, Swedish and French (issue 10 §2), in a real browser.

A browser whose language is Dutch, Swedish or French gets the pages in it (its
Accept-Language); a user who picks a language in the header's chooser keeps it. Each
page is checked by its heading and photographed: `lang-<locale>-<page>.png` in
`test-artifacts/screenshots/`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect

from tests.browser.conftest import Server, screenshot
from tests.support import csv_bytes, row

pytestmark = pytest.mark.browser

#: Per language: the browser's locale and the headings of the pages, in Partner
#: Center's terms.
HEADINGS = {
    "nl": {
        "locale": "nl-NL",
        "list": "Kansen voor co-verkoop",
        "deal": "Deal",
        "history": "Geschiedenis",
        "imports": "Kansen voor co-verkoop importeren",
        "exports": "Exports",
        "undo": "Een import ongedaan maken",
        "users": "Gebruikers",
        "solutions": "Oplossingscatalogus",
        "status": "Verwijzingsstatus van partner",
    },
    "sv": {
        "locale": "sv-SE",
        "list": "Möjligheter till säljsamarbete",
        "deal": "Avtal",
        "history": "Historik",
        "imports": "Importera möjligheter till säljsamarbete",
        "exports": "Exporter",
        "undo": "Ångra en import",
        "users": "Användare",
        "solutions": "Lösningskatalog",
        "status": "Hänvisningsstatus för partner",
    },
    "fr": {
        "locale": "fr-FR",
        "list": "Opportunités de co-vente",
        "deal": "Transaction",
        "history": "Historique",
        "imports": "Importer des opportunités de co-vente",
        "exports": "Exportations",
        "undo": "Annuler une importation",
        "users": "Utilisateurs",
        "solutions": "Catalogue des solutions",
        "status": "État de la référence partenaire",
    },
}


PASSWORD = "languages-pass-1"


@pytest.fixture(scope="module")
def admin(server: Server) -> str:
    """The admin of an organization of this file's own, so that its imports and its
    language choice leave the other scenarios' organizations as they were."""
    suffix = uuid.uuid4().hex[:8]
    org, email = f"Taal {suffix}", f"lang-{suffix}@taal.example"
    for command in (
        ["org", "create", org],
        ["user", "add", email, "--org", org, "--role", "admin", "--password", PASSWORD,
         "--name", "Lea Lang"],
        ["solution", "add", "SOL-1234-PQRS", "--org", org],
    ):  # fmt: skip
        done = server.cli(*command)
        assert done.returncode == 0, done.stderr
    return email


@pytest.fixture
def contexts(browser: Browser, server: Server) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def open_in(browser: Browser, server: Server, made: list[BrowserContext], locale: str) -> Page:
    """A page of a fresh browser whose language is `locale`, signed in as the admin."""
    context = browser.new_context(
        base_url=server.url, locale=locale, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    made.append(context)
    return context.new_page()


def sign_in(page: Page, email: str, heading: str) -> None:
    page.goto("/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_have_text(heading)


@pytest.mark.parametrize("lang", ["nl", "sv", "fr"])
def test_every_page_in_the_browsers_language(
    browser: Browser, server: Server, contexts: list[BrowserContext], admin: str, lang: str
) -> None:
    words = HEADINGS[lang]
    page = open_in(browser, server, contexts, words["locale"])
    sign_in(page, admin, words["list"])
    data = csv_bytes(
        [
            row(
                Deal_Name=f"Taal {lang} {uuid.uuid4().hex[:6]}",
                CRM_ID=f"CRM-{uuid.uuid4().hex[:10]}",
                Team_member_1=f"Lea, Lang, , {admin}",
            )
        ]
    )
    page.goto("/imports")
    expect(page.locator("h1")).to_have_text(words["imports"])
    page.set_input_files(
        "#upload-form input[name=file]",
        files=[FilePayload(name=f"deals-{lang}.csv", mimeType="text/csv", buffer=data)],
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/imports#last-file")
    expect(page.locator("#last-file[data-status=completed]")).to_be_visible()
    expect(page.locator("#last-file [data-count=created]")).to_have_text("1")
    screenshot(page, f"lang-{lang}-imports")

    page.goto("/?tab=outbound")
    expect(page.locator("h1")).to_have_text(words["list"])
    expect(page.locator("html")).to_have_attribute("lang", lang)
    screenshot(page, f"lang-{lang}-list")

    page.locator("table.referrals td.deal a").first.click()
    expect(page.locator("#deal-title")).to_have_text(words["deal"])
    expect(page.locator("#history-title")).to_have_text(words["history"])
    expect(page.locator(".fields dt", has_text=words["status"])).to_be_visible()
    screenshot(page, f"lang-{lang}-referral")

    page.goto("/imports")
    page.locator("#past-imports form[action$='/undo'] button").first.click()
    expect(page.locator("h1")).to_have_text(words["undo"])
    screenshot(page, f"lang-{lang}-undo")

    page.goto("/exports")
    expect(page.locator("h1")).to_have_text(words["exports"])
    screenshot(page, f"lang-{lang}-exports")

    page.goto("/admin/users")
    expect(page.locator("h1")).to_have_text(words["users"])
    screenshot(page, f"lang-{lang}-admin-users")
    page.goto("/admin/solutions")
    expect(page.locator("h1")).to_have_text(words["solutions"])
    screenshot(page, f"lang-{lang}-admin-solutions")


def test_the_chooser_by_keyboard_keeps_the_language(
    browser: Browser, server: Server, contexts: list[BrowserContext], admin: str
) -> None:
    page = open_in(browser, server, contexts, "en-US")
    sign_in(page, admin, "Co-sell opportunities")
    try:
        page.focus("#language-choice")
        page.keyboard.press("End")  # the last language…
        page.select_option("#language-choice", "nl")  # …then Dutch, as a keyboard user picks it
        page.keyboard.press("Tab")
        expect(page.locator("#language-form button")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("h1")).to_have_text(HEADINGS["nl"]["list"])
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        screenshot(page, "lang-nl-chooser")

        # the choice is kept on the user: a French browser gets Dutch after signing in
        other = open_in(browser, server, contexts, "fr-FR")
        sign_in(other, admin, HEADINGS["nl"]["list"])
    finally:  # back to no choice: the other tests of this file sign in as this admin
        page.select_option("#language-choice", "browser")
        page.click("#language-form button")
        expect(page.locator("h1")).to_have_text("Co-sell opportunities")
