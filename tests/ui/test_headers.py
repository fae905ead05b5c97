"""Security headers over real HTTP: a Content-Security-Policy without inline script on
every page, nosniff on every answer (the API's too), Swagger UI from our own files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import Live, live_server
from tests.support import ADMIN

PAGES = ["/", "/imports", "/exports", "/admin/users", "/admin/solutions", "/no-such-page"]


@pytest.fixture(scope="module")
def live(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_server(template_db, tmp_path_factory.mktemp("headers"), "--no-worker") as server:
        yield server


def signed_in(live: Live) -> httpx.Client:
    client = httpx.Client(base_url=live.base, timeout=20)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
    assert token is not None
    client.post(
        "/sign-in",
        data={"email": ADMIN, "password": "password-123", "csrf_token": token.group(1)},
    )
    return client


def policy(answer: httpx.Response) -> dict[str, str]:
    header = answer.headers.get("content-security-policy", "")
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_every_page_has_a_policy_without_inline_script(live: Live) -> None:
    client = signed_in(live)
    answers = [httpx.get(f"{live.base}/sign-in")] + [client.get(p) for p in PAGES]
    answers.append(client.get("/", follow_redirects=False, params={"tab": "inbound"}))
    for answer in answers:
        where = f"{answer.request.url.path} ({answer.status_code})"
        csp = policy(answer)
        assert csp, f"{where}: no Content-Security-Policy"
        assert csp["script-src"] == "script-src 'self'", where
        assert "unsafe-inline" not in answer.headers["content-security-policy"], where
        assert csp["frame-ancestors"] == "frame-ancestors 'none'", where
        assert csp["object-src"] == "object-src 'none'", where
        assert answer.headers["x-content-type-options"] == "nosniff", where
        assert not INLINE_SCRIPT.findall(answer.text), where
        assert not HANDLER.findall(answer.text), where


def test_redirects_and_static_files_carry_the_headers_too(live: Live) -> None:
    for path in ("/imports", "/static/app.js", "/static/app.css"):
        answer = httpx.get(f"{live.base}{path}", follow_redirects=False)
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert policy(answer), path


def test_api_answers_are_nosniff(live: Live) -> None:
    with live.client() as api:
        for answer in (
            api.get("/api/v1/referrals"),
            api.get("/api/v1/exports"),
            api.get("/api/v1/referrals/R-NOPE"),
            api.get("/api/v1/template"),
            httpx.get(f"{live.base}/api/v1/referrals"),  # 401
            httpx.get(f"{live.base}/api/openapi.json"),
        ):
            where = f"{answer.request.url.path} ({answer.status_code})"
            assert answer.headers["x-content-type-options"] == "nosniff", where
            assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], where


def test_api_docs_use_vendored_swagger_ui_under_the_policy(live: Live) -> None:
    answer = httpx.get(f"{live.base}/api/docs")
    assert answer.status_code == 200
    assert "cdn" not in answer.text.lower()
    assert not re.findall(r"""(?:src|href)=["']https?://""", answer.text)
    assert not INLINE_SCRIPT.findall(answer.text)
    csp = policy(answer)
    assert csp["script-src"] == "script-src 'self'"
    sources = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", answer.text)
    assert any("swagger-ui-bundle.js" in s for s in sources), answer.text
    assert any("swagger-ui.css" in s for s in sources), answer.text
    for source in sources:
        assert httpx.get(f"{live.base}{source}").status_code == 200, source
