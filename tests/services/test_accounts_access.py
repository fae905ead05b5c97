"""Sign-in does the same work for every email and never holds the write lock while hashing."""

from __future__ import annotations

import itertools
import statistics
import time
from typing import Any

from sqlalchemy import event

from cosell.services import accounts
from cosell.services.passwords import verify_password
from cosell.web.security import sign_in
from tests.support import SELLER, World

PASSWORD = "password-123"


def _median_seconds(call: Any, times: int) -> float:
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent)


def test_an_unknown_email_costs_as_much_as_a_known_one(world: World) -> None:
    # a new address each time: the throttle must not be what refuses or slows either path
    addresses = (f"192.0.2.{i}" for i in itertools.count(1))
    known = _median_seconds(lambda: sign_in(world.db, SELLER, "wrong-one", next(addresses)), 7)
    unknown = _median_seconds(
        lambda: sign_in(world.db, "nobody@org-a.example", "wrong-one", next(addresses)), 7
    )
    assert 0.5 < unknown / known < 2, (unknown, known)


def test_an_inactive_user_is_refused_with_the_same_work(world: World) -> None:
    accounts.deactivate_user(world.db, SELLER)
    start = time.perf_counter()
    assert sign_in(world.db, SELLER, PASSWORD, "192.0.2.3") is None
    refused = time.perf_counter() - start
    accounts.activate_user(world.db, SELLER)
    start = time.perf_counter()
    assert sign_in(world.db, SELLER, PASSWORD, "192.0.2.3") is not None
    accepted = time.perf_counter() - start
    assert refused > accepted / 2


def test_the_password_check_runs_outside_the_write_transaction(world: World) -> None:
    """Every write transaction a sign-in opens is much shorter than one argon2 verify,
    so a burst of sign-ins does not stall the imports waiting for the write lock."""
    with world.db.read() as conn:
        from cosell.store.accounts import user_by_email

        user = user_by_email(conn, SELLER)
    assert user is not None and user.password_hash
    verify = _median_seconds(lambda: verify_password(user.password_hash, PASSWORD), 3)

    writes: list[float] = []
    opened: dict[int, float] = {}

    def _begin(conn: Any) -> None:
        if conn.info.get("cosell_immediate"):
            opened[id(conn)] = time.perf_counter()

    def _end(conn: Any) -> None:
        if id(conn) in opened:
            writes.append(time.perf_counter() - opened.pop(id(conn)))

    engine = world.db.engine
    event.listen(engine, "begin", _begin)
    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)
    try:
        assert sign_in(world.db, SELLER, PASSWORD, "192.0.2.4") is not None
        assert sign_in(world.db, SELLER, "wrong-one", "192.0.2.4") is None
        assert sign_in(world.db, "nobody@org-a.example", "wrong-one", "192.0.2.4") is None
    finally:
        event.remove(engine, "begin", _begin)
        event.remove(engine, "commit", _end)
        event.remove(engine, "rollback", _end)
    assert writes, "a sign-in records its outcome"
    assert max(writes) < verify / 3, (writes, verify)
