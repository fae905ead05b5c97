"""The pages' language (issue 10 §2): the user's choice, kept on the user, then the
browser's Accept-Language, then English; `<html lang>` follows it; dates and numbers in
the locale's format on the pages, files unchanged."""

from __future__ import annotations

import re
from html import unescape
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from cosell.services import accounts
from cosell.web.language import COOKIE, request_locale
from tests.support import ADMIN, SELLER, csv_bytes, row, run_import
from tests.ui.conftest import form_token


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found is not None, "the page has no <html lang>"
    return found.group(1)


def create(world, **changes):
    result = run_import(world, world.admin, csv_bytes([row(**changes)]))
    assert result.count("created") == 1, result.failures
    return result.result_rows()[0]["Referral ID"]


def choose(client, language: str, back: str = "/"):
    token = form_token(client.get("/").text)
    return client.post(
        "/language",
        data={"csrf_token": token, "language": language, "back": back},
        follow_redirects=False,
    )


# ------------------------------------------------------------ Accept-Language
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("sv-SE", "sv"),
        ("fr-FR,fr;q=0.9", "fr"),
        ("de-DE,fr;q=0.5,nl;q=0.7", "nl"),  # by weight, not by position
        ("en;q=0.1, sv;q=0.6", "sv"),
        ("fr;q=0, nl;q=0.2", "nl"),  # q=0: not wanted
        ("de-DE,ja", "en"),  # none of ours: English
        ("", "en"),
        ("nl;q=abc", "en"),  # a broken weight counts as not wanted
    ],
)
def test_accept_language_picks_the_best_of_our_languages(header, expected):
    assert request_locale({"accept-language": header}) == expected


def test_the_cookie_beats_accept_language_and_a_bad_cookie_is_ignored():
    assert request_locale({"cookie": f"{COOKIE}=sv", "accept-language": "fr"}) == "sv"
    assert request_locale({"cookie": f"{COOKIE}=xx", "accept-language": "fr"}) == "fr"
    assert request_locale({"cookie": 'bad"cookie;;', "accept-language": "nl"}) == "nl"


@pytest.mark.parametrize(
    ("header", "lang", "heading"),
    [
        ("nl-NL,nl;q=0.9", "nl", "Aanmelden"),
        ("sv-SE,sv;q=0.9", "sv", "Logga in"),
        ("fr-CA,fr;q=0.9", "fr", "Se connecter"),
        ("de-DE", "en", "Sign in"),
    ],
)
def test_the_sign_in_page_follows_the_browser(make_client, header, lang, heading):
    page = make_client().get("/sign-in", headers={"Accept-Language": header}).text
    assert html_lang(page) == lang
    assert f"<h1>{heading}</h1>" in page


@pytest.mark.parametrize(
    ("header", "lang", "words"),
    [
        ("nl", "nl", ("Kansen voor co-verkoop", "Inkomend", "Uitgaand", "Afmelden")),
        ("sv", "sv", ("Möjligheter till säljsamarbete", "Inkommande", "Logga ut")),
        ("fr", "fr", ("Opportunités de co-vente", "Entrantes", "Se déconnecter")),
    ],
)
def test_the_list_in_the_browsers_language(make_client, header, lang, words):
    client = make_client(ADMIN)
    page = unescape(client.get("/", headers={"Accept-Language": header}).text)
    assert html_lang(page) == lang
    for word in words:
        assert word in page
    assert "Co-sell opportunities" not in page


def test_english_stays_the_default(make_client):
    page = make_client(ADMIN).get("/").text
    assert html_lang(page) == "en"
    assert "Co-sell opportunities" in page and "Sign out" in page


# ------------------------------------------------------------ the chooser
def test_the_chooser_keeps_the_choice_on_the_user_and_beats_the_browser(world, make_client):
    client = make_client(SELLER)
    answer = choose(client, "sv", back="/exports")
    assert answer.status_code == 303 and answer.headers["location"] == "/exports"
    assert f"{COOKIE}=sv" in answer.headers["set-cookie"]
    with world.db.reading() as uow:
        assert uow.accounts.user_by_email(SELLER).language == "sv"
    page = client.get("/exports", headers={"Accept-Language": "fr"}).text
    assert html_lang(page) == "sv" and "Tidigare exporter" in page
    # the chooser shows the language in use
    assert re.search(r'<option value="sv" lang="sv" selected>Svenska</option>', page)


def test_the_choice_follows_the_user_to_another_browser(world, make_client):
    choose(make_client(SELLER), "fr")
    elsewhere = make_client()
    signing_in = elsewhere.get("/sign-in", headers={"Accept-Language": "nl"})
    assert html_lang(signing_in.text) == "nl"
    answer = elsewhere.post(
        "/sign-in",
        data={
            "email": SELLER,
            "password": "password-123",
            "csrf_token": form_token(signing_in.text),
            "next": "/",
        },
        headers={"Accept-Language": "nl"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and f"{COOKIE}=fr" in answer.headers["set-cookie"]
    page = elsewhere.get("/", headers={"Accept-Language": "nl"}).text
    assert html_lang(page) == "fr" and "Opportunités de co-vente" in unescape(page)


def test_without_a_choice_signing_in_leaves_the_browsers_language(world, make_client):
    client = make_client()
    page = client.get("/sign-in").text
    answer = client.post(
        "/sign-in",
        data={"email": ADMIN, "password": "password-123", "csrf_token": form_token(page)},
        follow_redirects=False,
    )
    assert COOKIE not in answer.headers.get("set-cookie", "")
    assert html_lang(client.get("/", headers={"Accept-Language": "sv"}).text) == "sv"


def test_the_browsers_language_removes_the_choice(world, make_client):
    client = make_client(SELLER)
    choose(client, "nl")
    answer = choose(client, "browser")
    assert (
        f'{COOKIE}=""' in answer.headers["set-cookie"]
        or "Max-Age=0" in (answer.headers["set-cookie"])
    )
    with world.db.reading() as uow:
        assert uow.accounts.user_by_email(SELLER).language is None
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"}).text) == "fr"


def test_the_chooser_needs_the_form_token_and_a_known_language(world, make_client):
    client = make_client(SELLER)
    refused = client.post("/language", data={"language": "nl", "back": "/"})
    assert refused.status_code == 403
    with world.db.reading() as uow:
        assert uow.accounts.user_by_email(SELLER).language is None
    unknown = choose(client, "klingon")
    assert unknown.status_code == 400
    assert 'The language must be one of en, nl, sv, fr, not "klingon"' in unescape(unknown.text)


def test_the_chooser_goes_back_only_to_this_site(make_client):
    answer = choose(make_client(SELLER), "nl", back="https://evil.example/")
    assert answer.headers["location"] == "/"


def test_the_chooser_is_a_labelled_form_in_the_header(make_client):
    page = make_client(SELLER).get("/").text
    header = page.split('<header class="topbar">')[1].split("</header>")[0]
    form = header.split('id="language-form"')[1].split("</form>")[0]
    assert 'action="/language"' in header and 'name="csrf_token"' in form
    assert '<label for="language-choice"' in form and 'id="language-choice"' in form
    assert '<button type="submit"' in form


def test_the_service_keeps_and_clears_the_language(world):
    user = accounts.set_language(world.db, SELLER, "nl")
    assert user.language == "nl"
    assert accounts.set_language(world.db, SELLER, None).language is None
    with world.db.reading() as uow:
        assert uow.accounts.user_by_email(SELLER).language is None


# ------------------------------------------------------------ formats
def test_dates_and_numbers_in_the_locales_format(world, make_client):
    referral_id = create(world, Deal_Name="Formats")
    client = make_client(ADMIN)
    for lang, day, value in (
        ("en", "30 Jan 2027", "12,563.50 USD"),
        ("nl", "30-01-2027", "12.563,50 USD"),
        ("sv", "2027-01-30", "12\xa0563,50 USD"),
        ("fr", "30/01/2027", "12\u202f563,50 USD"),
    ):
        headers = {"Accept-Language": lang}
        listing = unescape(client.get("/?tab=outbound", headers=headers).text)
        assert day in listing and value in listing, lang
        detail = unescape(client.get(f"/referrals/{referral_id}", headers=headers).text)
        assert day in detail and value in detail, lang


def test_the_detail_page_translates_labels_and_values(world, make_client):
    referral_id = create(world, Deal_Name="Labels")
    client = make_client(ADMIN)
    page = unescape(client.get(f"/referrals/{referral_id}", headers={"Accept-Language": "nl"}).text)
    for word in (
        "Verwijzingsstatus van partner",
        "Geschatte waarde deal",
        "Verkoopfase",
        "Uitgaand",
        "Geschiedenis",
        "Gemaakt",
    ):
        assert word in page, word
    # the status and substatus are shown in Partner Center's Dutch terms
    assert re.search(r'class="status s-(new|active)">(Nieuw|Actief)</span>', page)
    assert "Partner referral status" not in page


def test_exports_are_the_same_bytes_whatever_the_page_language(world, make_client):
    create(world, Deal_Name="Same bytes")
    files = []
    for lang in ("en", "nl"):
        client = make_client(ADMIN)
        if lang != "en":
            choose(client, lang)
        token = form_token(client.get("/").text)
        client.post(
            "/exports",
            data={"csrf_token": token, "tab": "outbound", "format": "csv", "lang": "en"},
        )
        job_id = re.search(r"/exports/([0-9a-f-]+)/file", client.get("/exports").text)
        assert job_id is not None
        files.append(client.get(f"/exports/{job_id.group(1)}/file").content)
    english, dutch = files
    # the same rows; only the file's own timestamp-free content is compared
    assert dutch == english
    assert b"12563.50" in dutch and b"1/30/2027" in dutch


def test_an_error_page_in_the_readers_language(make_client):
    client = make_client(ADMIN)
    answer = client.get("/no-such-page", headers={"Accept-Language": "fr"})
    assert answer.status_code == 404
    page = unescape(answer.text)
    assert html_lang(page) == "fr" and "Page introuvable" in page
    assert "Il n’y a pas de page à l’adresse /no-such-page." in page


def test_a_list_problem_in_the_readers_language(make_client):
    client = make_client(ADMIN)
    page = unescape(client.get("/?q=ab", headers={"Accept-Language": "nl"}).text)
    assert 'Zoeken vereist minstens 3 tekens; er is niet gezocht naar "ab".' in page


def test_every_status_and_label_the_pages_show_is_in_the_catalogs():
    from cosell.domain.enums import MicrosoftStatus, Role, Status, Substatus
    from cosell.domain.fields import Field

    shown = [s.value for enum in (Status, Substatus, MicrosoftStatus) for s in enum]
    shown += [role.label for role in Role]
    shown += [f.spec.label for f in Field if f.spec.label]
    for locale in ("nl", "sv", "fr"):
        source = resources.files("cosell").joinpath("locales", locale, "LC_MESSAGES", "messages.po")
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        untranslated = [text for text in shown if not (text in catalog and catalog[text].string)]
        assert untranslated == [], locale


def test_a_template_shows_each_reader_its_own_number_format():
    from cosell.i18n import use_locale
    from cosell.web.ui.render import environment

    template = environment().from_string("{{ 1000 | count }} · {{ 12563.5 | money }}")
    with use_locale("nl"):
        assert template.render() == "1.000 · 12.563,50"
    with use_locale("en"):
        assert template.render() == "1,000 · 12,563.50"
