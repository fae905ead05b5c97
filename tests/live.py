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
from tests.ops.procs import Procs, Server
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
    try:
        server = procs.server(*args, **settings)
        try:
            yield Live(server, world, procs)
        finally:
            server.stop()  # SIGTERM: the server stops its worker itself
    finally:
        procs.cleanup()
        world.db.dispose()
