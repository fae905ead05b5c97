"""Every command-line test that uses the world runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from tests import backends

pytest_generate_tests = backends.both
