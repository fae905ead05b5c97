"""Browser tests: Playwright driving Debian's Chromium against a real `cosell serve`.

One server for the session (its own temporary database made by the CLI, with the
embedded worker), one browser; each test opens its own browser context, so
sign-ins do not leak between tests. Playwright never downloads a browser here:
they fail when `/usr/bin/chromium` is missing (`make test` installs it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COSELL = Path(sys.executable).with_name("cosell")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

ORG = "Contoso Partners"
PASSWORD = "cosell-demo-2026"
ADMIN = "admin@contoso.example"
SELLER = "seller@contoso.example"
#: a second organization, made with the CLI: it must never see Contoso's deals
OTHER_ORG = "Fabrikam Partners"
OTHER_ADMIN = "admin@fabrikam.example"
OTHER_PASSWORD = "fabrikam-pass-1"


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    workdir: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `cosell` command on the server's database."""
        return subprocess.run(
            [str(COSELL), "--database-url", self.database_url, *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.workdir,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cosell serve stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/sign-in", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"cosell serve did not answer within 30 s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server (it stops its worker child), then its process group if need be."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is not installed: run `make system-deps` (make test does)")
    workdir = tmp_path_factory.mktemp("browser-server")
    database_url = f"sqlite:///{workdir / 'cosell.db'}"
    port = _free_port()
    made = Server(f"http://127.0.0.1:{port}", database_url, workdir)
    for command in (
        ["init", "--demo"],
        ["org", "create", OTHER_ORG],
        ["user", "add", OTHER_ADMIN, "--org", OTHER_ORG, "--role", "admin",
         "--password", OTHER_PASSWORD],
    ):  # fmt: skip
        done = made.cli(*command)
        assert done.returncode == 0, done.stderr
    log = workdir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(COSELL), "--database-url", database_url, "serve", "--port", str(port)],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(made.url, process, log)
        yield made
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[NewPage]:
    """`new_page(email=None, width=1280)`: a page in a fresh context, signed in when asked."""
    contexts = []

    def make(email: str | None = None, *, width: int = 1280, password: str = PASSWORD) -> Page:
        height = 900 if width > 600 else 844
        context = browser.new_context(
            base_url=server.url,
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if email is not None:
            sign_in(page, email, password)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_selector("h1:has-text('Co-sell opportunities')")


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
