"""Every exception cosell raises on purpose. Each interface maps them to its own answer
in one place: the web in `web/problems.py` (the API's problem objects, and the error
pages through `web/ui/errors.py`), the command line in `cli_output.py`.

    Exception
     ├── CosellError                 a message for people; CLI exit 2 unless said otherwise
     │    ├── UsageError             bad arguments or options                  HTTP 400
     │    │    └── RowErrors         a referral breaks the rules, nothing saved HTTP 422
     │    ├── NotAuthenticated       no valid session or token                 HTTP 401
     │    │                          (a page redirects to the sign-in)
     │    ├── PermissionDenied       the acting user may not do this           HTTP 403
     │    ├── NotFound               nothing visible under that name or id     HTTP 404
     │    ├── Conflict               not now, or a duplicate name              HTTP 409
     │    │    ├── ConcurrentChange  another writer changed the data between
     │    │    │                     read and write; nothing was written
     │    │    └── StaleVersion      changed since the caller read it          HTTP 412
     │    ├── PreconditionRequired   a change without the version it applies to HTTP 428
     │    ├── TooManyAttempts        sign-in refused for a while               HTTP 429
     │    ├── FileRejected           the file cannot be processed at all       HTTP 422
     │    │    │                     (a job: status "rejected")
     │    │    └── FileTooLarge      over the upload limit, nothing stored     HTTP 413
     │    ├── DatabaseNotInitialized the database has no cosell tables yet     HTTP 503
     │    │                          (run `cosell init`)
     │    └── DatabaseUnavailable    the database cannot be reached or used    HTTP 503
     │                               right now (down, restarting, no free
     │                               connection, a lock waited on too long)
     └── HandBack                    a stopping worker gives its job back to the queue
                                     (the job runner's own signal, never shown)

Row-level problems are not exceptions: they are data (`RowResult.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cosell.i18n import Msg, joined


class ColumnError(Protocol):
    """One problem of a referral, naming its column (`domain.rows.RowError` is one; this
    module is below the domain and names it only by its shape)."""

    @property
    def column(self) -> str: ...
    @property
    def message(self) -> str: ...


class CosellError(Exception):
    """Base of every error cosell raises on purpose; its message is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CosellError):
    pass


class RowErrors(UsageError):
    """The referral breaks the rules; nothing was saved. `errors` name the columns."""

    def __init__(self, errors: Sequence[ColumnError]) -> None:
        super().__init__(
            Msg(
                "The referral was not saved: %(errors)s",
                errors=joined("; ", [str(e) for e in errors]),
            )
        )
        self.errors = list(errors)


class NotAuthenticated(CosellError):
    """No valid session or token."""


class PermissionDenied(CosellError):
    pass


class NotFound(CosellError):
    pass


class Conflict(CosellError):
    pass


class ConcurrentChange(Conflict):
    """Another writer changed what this one read; nothing was written, try again."""


class StaleVersion(Conflict):
    """The referral changed since the caller read it."""

    def __init__(self, referral_id: str, current: int, expected: int) -> None:
        super().__init__(
            Msg(
                "Referral ID %(referral)s has changed since you read it (version %(current)s "
                "now, you sent %(expected)s); read it again and re-apply your change",
                referral=referral_id,
                current=current,
                expected=expected,
            )
        )
        self.current = current


class PreconditionRequired(CosellError):
    """A change sent without the version it applies to (an API PATCH without If-Match)."""


class TooManyAttempts(CosellError):
    """Sign-in refused for a while after repeated failures; try after `retry_after` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FileRejected(CosellError):
    pass


class FileTooLarge(FileRejected):
    """A file of `size` bytes (or more: counted so far) where `limit` are allowed."""

    def __init__(self, message: str, *, size: int, limit: int) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


class DatabaseNotInitialized(CosellError):
    """The database has no cosell tables (raised by the store when a table is missing)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            Msg("the database has no cosell schema yet; run `cosell init` first")
            if message is None
            else message
        )


class HandBack(Exception):
    """The worker is stopping: roll the job's transaction back and queue the job again."""


class DatabaseUnavailable(CosellError):
    """The database cannot be reached or used right now: down or restarting, no free
    connection in the pool, a lock waited on too long (raised by the store in place of
    the driver's error; trying again later may work)."""
