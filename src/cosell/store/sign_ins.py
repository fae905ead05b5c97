"""Failed sign-in attempts (the throttle counts them) and the generated secret key."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from cosell.errors import ConcurrentChange
from cosell.store.models import attempts_t, settings_t

_SECRET_KEY = "secret_key"


class SqlSignIns:
    """The sign-in records of one transaction (`services.uow.SignInStore`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def forget_attempts_before(self, cutoff: dt.datetime) -> None:
        self.conn.execute(delete(attempts_t).where(attempts_t.c.at < cutoff))

    def attempts(self, email_key: str, address: str) -> int:
        """Failed attempts kept for this email and address."""
        query = (
            select(func.count())
            .select_from(attempts_t)
            .where(attempts_t.c.email_key == email_key, attempts_t.c.address == address)
        )
        return int(self.conn.execute(query).scalar_one())

    def attempts_from(self, address: str) -> tuple[int, dt.datetime | None]:
        """Failed attempts kept for this address (any email), and the last one's time."""
        count, last = self.conn.execute(
            select(func.count(), func.max(attempts_t.c.at)).where(attempts_t.c.address == address)
        ).one()
        return int(count), last

    def add_attempt(self, email_key: str, address: str, at: dt.datetime) -> None:
        self.conn.execute(insert(attempts_t).values(email_key=email_key, address=address, at=at))

    def clear_attempts(self, email_key: str, address: str) -> None:
        self.conn.execute(
            delete(attempts_t).where(
                attempts_t.c.email_key == email_key, attempts_t.c.address == address
            )
        )

    def secret_key(self) -> str | None:
        value = self.conn.execute(
            select(settings_t.c.value).where(settings_t.c.key == _SECRET_KEY)
        ).scalar()
        return None if value is None else str(value)

    def keep_secret_key(self, value: str) -> None:
        """Store the key; `ConcurrentChange` when another process stored one first (the
        transaction must then end: the caller reads the other key in a new one)."""
        try:
            self.conn.execute(insert(settings_t).values(key=_SECRET_KEY, value=value))
        except IntegrityError:
            raise ConcurrentChange("another process stored its secret key first") from None
