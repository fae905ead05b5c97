"""Uploads at the edge, over real HTTP: too large (declared or chunked), two files in
one request, control characters in the file name."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cosell.store.models import Job, table_of
from tests.live import Live, live_server
from tests.support import ADMIN, csv_bytes, row

LIMIT = 100_000
SIZE_MESSAGE = "at most 98 KiB can be processed"


@pytest.fixture(scope="module")
def live(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("uploads")
    with live_server(template_db, folder, max_upload_bytes=LIMIT) as server:
        yield server


def multipart(
    files: list[tuple[str, str, bytes]], fields: dict[str, str] | None = None
) -> tuple[str, bytes]:
    """(content type, body) of a multipart form, written by hand so a test controls
    every byte (file names with NUL, repeated file parts)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (fields or {}).items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for field, filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def chunked(body: bytes, size: int = 16_384) -> Iterator[bytes]:
    """A body without Content-Length: httpx sends an iterator chunked."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def signed_in(live: Live) -> tuple[httpx.Client, str]:
    """A browser-like session, and the CSRF token of its forms."""
    client = httpx.Client(base_url=live.base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text)
    assert token is not None
    client.post(
        "/sign-in",
        data={"email": ADMIN, "password": "password-123", "csrf_token": token.group(1)},
    )
    page = client.get("/imports")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return client, token.group(1)


def job_names(live: Live) -> list[str | None]:
    jobs = table_of(Job)
    with live.world.db.read() as conn:
        return [r[0] for r in conn.execute(select(jobs.c.file_name))]


BIG = b"x" * (LIMIT * 2)


@pytest.mark.parametrize("how", ["declared", "chunked"])
def test_an_oversize_api_upload_answers_413_with_the_size_message(live: Live, how: str) -> None:
    content_type, body = multipart([("file", "big.csv", BIG)])
    with live.client() as api:
        answer = api.post(
            "/api/v1/imports",
            content=body if how == "declared" else chunked(body),
            headers={"Content-Type": content_type},
        )
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert SIZE_MESSAGE in answer.json()["detail"]


@pytest.mark.parametrize("how", ["declared", "chunked"])
def test_an_oversize_page_upload_shows_the_size_message_as_a_page(live: Live, how: str) -> None:
    client, csrf = signed_in(live)
    content_type, body = multipart([("file", "big.csv", BIG)], {"csrf_token": csrf})
    answer = client.post(
        "/imports",
        content=body if how == "declared" else chunked(body),
        headers={"Content-Type": content_type},
    )
    client.close()
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert SIZE_MESSAGE in answer.text
    assert "<!doctype html>" in answer.text.lower()
    assert '"status": 413' not in answer.text and '"status":413' not in answer.text


def test_two_files_in_one_api_upload_are_refused(live: Live) -> None:
    data = csv_bytes([row(CRM_ID="TWO-1")])
    before = len(job_names(live))
    content_type, body = multipart([("file", "a.csv", data), ("file", "b.csv", data)])
    with live.client() as api:
        answer = api.post("/api/v1/imports", content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 400, answer.text
        assert "one file" in answer.json()["detail"]
        content_type, body = multipart([("file", "a.csv", data), ("other", "b.csv", data)])
        answer = api.post("/api/v1/imports", content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 400, answer.text
    assert len(job_names(live)) == before


def test_two_files_in_one_page_upload_are_refused(live: Live) -> None:
    data = csv_bytes([row(CRM_ID="TWO-2")])
    before = len(job_names(live))
    client, csrf = signed_in(live)
    content_type, body = multipart(
        [("file", "a.csv", data), ("file", "b.csv", data)], {"csrf_token": csrf}
    )
    answer = client.post("/imports", content=body, headers={"Content-Type": content_type})
    client.close()
    assert answer.status_code == 422, answer.text
    assert "one file" in answer.text
    assert len(job_names(live)) == before


def test_nul_characters_are_stripped_from_stored_file_names(live: Live) -> None:
    data = csv_bytes([row(CRM_ID="NUL-1")])
    content_type, body = multipart([("file", "de\x00als\x00.csv", data)])
    with live.client() as api:
        answer = api.post("/api/v1/imports", content=body, headers={"Content-Type": content_type})
    assert answer.status_code == 202, answer.text
    assert answer.json()["file_name"] == "deals.csv"
    assert not [n for n in job_names(live) if n and "\x00" in n]
