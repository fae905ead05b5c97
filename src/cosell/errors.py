"""The exception tree of cosell. Each interface maps it to its own answer in one place.

    CosellError
     ├── UsageError            bad arguments or options (CLI exit 2, HTTP 400/422)
     ├── NotFound              nothing visible under that name or id (HTTP 404)
     ├── PermissionDenied      the acting user may not do this (HTTP 403)
     ├── Conflict              a stale version or a duplicate name (HTTP 409/412)
     │    └── ConcurrentChange another writer changed the data between read and write
     └── FileRejected          the uploaded file cannot be processed at all
                               (CLI exit 2, job status "rejected")

Row-level problems are not exceptions: they are data (`RowOutcome.errors`).
"""

from __future__ import annotations


class CosellError(Exception):
    """Base of every error cosell raises on purpose; its message is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CosellError):
    pass


class NotFound(CosellError):
    pass


class PermissionDenied(CosellError):
    pass


class Conflict(CosellError):
    pass


class ConcurrentChange(Conflict):
    """Another writer changed what this one read; nothing was written, try again."""


class FileRejected(CosellError):
    pass
