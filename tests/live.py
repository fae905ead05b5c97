"""A real `cosell serve` over real HTTP, shared by the tests of one module.

The server runs on a copy of the two-organization test database, with its
embedded worker unless asked otherwise; settings are passed as `COSELL_…`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from cosell.services import accounts
from tests.ops.procs import Procs, Server, free_port, wait_for
from tests.support import World, copy_world


@dataclass
class Live:
    server: Server
    world: World
    procs: Procs

    @property
    def base(self) -> str:
        return self.server.base

    def token(self, email: str | None = None) -> str:
        return accounts.create_token(self.world.db, user_email=email or self.world.admin.email)

    def client(self, email: str | None = None) -> httpx.Client:
        """An API client with a bearer token of `email` (the admin by default)."""
        return httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self.token(email)}"},
            timeout=20,
        )


@contextmanager
def live_server(
    template: Path, folder: Path, *args: str, **settings: str | int | float
) -> Iterator[Live]:
    world = copy_world(template, folder / "cosell.db")
    procs = Procs(folder, world.settings.database_url)
    port = free_port()
    proc = procs.start("serve", "--port", str(port), *args, name="serve", **settings)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.popen.poll() is not None:
            raise AssertionError(f"the server ended:\n{proc.output()}")
        try:
            return httpx.get(f"{base}/api/openapi.json", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for("the server to answer", answers)
        yield Live(Server(proc.popen, proc.log, base), world, procs)
    finally:
        proc.stop()  # SIGTERM: the server stops its worker itself
        procs.cleanup()
        world.db.dispose()
