"""The services' backend on the database (`services.uow.Backend`): units of work over
the read and write transactions of `store.db.Database`, stored files as streams, and
the integrity check. Kept apart from `store.db` so that the handle the other store
modules use imports none of them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager

from cosell.store.db import Database
from cosell.store.integrity import Problem, check_database
from cosell.store.jobs import BlobInfo, BlobReader, iter_blob, unmapped
from cosell.store.unit_of_work import SqlUnitOfWork


class SqlBackend(Database):
    """A `Database` that the services work on through units of work."""

    @contextmanager
    def reading(self) -> Iterator[SqlUnitOfWork]:
        """A read transaction as a unit of work."""
        with self.read() as conn:
            yield SqlUnitOfWork(conn)

    @contextmanager
    def writing(
        self, *, lock_timeout: float | None = None, bulk: bool = False
    ) -> Iterator[SqlUnitOfWork]:
        """A write transaction as a unit of work (see `write`). `bulk` (SQLite): read
        the file without its memory map meanwhile (`jobs.unmapped`)."""
        with self.write(lock_timeout=lock_timeout) as conn:
            if bulk:
                with unmapped(conn):
                    yield SqlUnitOfWork(conn)
            else:
                yield SqlUnitOfWork(conn)

    def blob_reader(self, info: BlobInfo) -> io.RawIOBase:
        """A stored file as a stream of its parts (`jobs.BlobReader`)."""
        return BlobReader(self, info)

    def iter_blob(self, info: BlobInfo) -> Iterator[bytes]:
        return iter_blob(self, info)

    def check_integrity(
        self, now: dt.datetime, stale_after: dt.timedelta, queued_after: dt.timedelta
    ) -> tuple[str | None, list[Problem], dict[str, int]]:
        """Every check of `store.integrity` on one snapshot."""
        return check_database(self, now, stale_after, queued_after)
