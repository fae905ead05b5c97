"""The functions of `store.accounts` bound to one transaction's connection:
`services.uow.AccountStore` on the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from cosell.store import accounts as account_rows
from cosell.store.accounts import OrgRecord, TokenListing, TokenRecord, UserRecord


class SqlAccounts:
    """Organizations, users, tokens and the solution catalog of one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def org_by_name(self, name: str) -> OrgRecord | None:
        return account_rows.org_by_name(self.conn, name)

    def add_org(self, name: str, partner_id: str | None, now: dt.datetime) -> OrgRecord:
        return account_rows.add_org(self.conn, name, partner_id, now)

    def user_by_email(self, email: str) -> UserRecord | None:
        return account_rows.user_by_email(self.conn, email)

    def user_by_id(self, user_id: int) -> UserRecord | None:
        return account_rows.user_by_id(self.conn, user_id)

    def users_of(self, org_id: int) -> list[UserRecord]:
        return account_rows.users_of(self.conn, org_id)

    def add_user(self, **fields: Any) -> UserRecord:
        return account_rows.add_user(self.conn, **fields)

    def set_user(self, org_id: int, user_id: int, **values: object) -> bool:
        return account_rows.set_user(self.conn, org_id, user_id, **values)

    def end_sessions(self, user_id: int, **values: object) -> None:
        account_rows.end_sessions(self.conn, user_id, **values)

    def active_admins(self, org_id: int) -> list[int]:
        return account_rows.active_admins(self.conn, org_id)

    def known_solutions(self, org_id: int, ids: Iterable[str]) -> dict[str, str]:
        return account_rows.known_solutions(self.conn, org_id, ids)

    def catalog(self, org_id: int) -> list[tuple[str, str | None]]:
        return account_rows.catalog(self.conn, org_id)

    def add_solution(
        self, org_id: int, solution_id: str, name: str | None, now: dt.datetime
    ) -> bool:
        return account_rows.add_solution(self.conn, org_id, solution_id, name, now)

    def add_token(self, **fields: Any) -> int:
        return account_rows.add_token(self.conn, **fields)

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        return account_rows.token_by_hash(self.conn, token_hash)

    def tokens(self, org_id: int | None = None) -> list[TokenListing]:
        return account_rows.tokens(self.conn, org_id)

    def token_ids(self, ids: Iterable[int]) -> set[int]:
        return account_rows.token_ids(self.conn, ids)

    def revoke_tokens(
        self,
        now: dt.datetime,
        *,
        ids: Iterable[int] = (),
        user_id: int | None = None,
        token_hash: str | None = None,
    ) -> int:
        return account_rows.revoke_tokens(
            self.conn, now, ids=ids, user_id=user_id, token_hash=token_hash
        )
