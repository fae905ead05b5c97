from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.procs import Procs
from tests.support import World


@pytest.fixture
def procs(world: World, tmp_path: Path) -> Iterator[Procs]:
    started = Procs(tmp_path, world.settings.database_url)
    yield started
    started.cleanup()
