"""The Content-Security-Policy in a real browser: the pages and the API docs work under
it without one violation, and an oversize upload with JavaScript off is a page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.conftest import ADMIN, NewPage, Server, sign_in

pytestmark = pytest.mark.browser


def violations(page: Page) -> list[str]:
    found: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            found.append(message.text)

    page.on("console", seen)
    return found


def test_pages_run_under_the_policy_without_violations(new_page: NewPage) -> None:
    page = new_page(ADMIN)
    found = violations(page)
    for path in ("/", "/imports", "/exports", "/admin/users", "/admin/solutions"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof htmx") == "object", path  # our scripts still run
    page.goto("/")
    page.click("summary:has-text('Export')")  # a script-driven menu
    assert found == []


def test_api_docs_render_from_vendored_files(new_page: NewPage, server: Server) -> None:
    page = new_page()
    found = violations(page)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/imports")
    assert found == []
    assert [u for u in outside if not u.startswith("data:")] == []


@pytest.fixture
def no_script_page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, ADMIN)
    yield page
    context.close()


def test_an_oversize_upload_without_javascript_shows_the_message_as_a_page(
    no_script_page: Page, tmp_path: Path
) -> None:
    page = no_script_page
    big = tmp_path / "too-big.csv"
    big.write_bytes(b"Deal Name\n" + b"x" * (21 * 1024 * 1024))
    page.goto("/imports")
    page.set_input_files("#upload-form input[type=file]", str(big))
    page.click("#upload-form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("File too large")
    expect(page.locator(".error-message")).to_contain_text("at most 20 MiB can be processed")
    assert "application/problem+json" not in page.content()
    assert '"status"' not in page.locator("body").inner_text()
