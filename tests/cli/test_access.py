"""`cosell token list|revoke` and
`cosell user deactivate|activate|set-role|set-password|set-language`."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

import cosell.cli as _commands  # noqa: F401  (importing it adds every command to `app`)
from cosell.cli_app import app
from cosell.errors import NotFound
from cosell.queue.job_queue import JobQueue
from cosell.services import accounts
from tests.support import ADMIN, OTHER_ADMIN, SELLER, World

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

runner = CliRunner()


def cosell(world: World, *args: str):
    return runner.invoke(app, ["--database-url", world.settings.database_url, *args])


@pytest.fixture
def http(world: World) -> Iterator[TestClient]:
    from cosell.web.app import create_app

    client = TestClient(
        create_app(world.settings, queue=JobQueue(world.settings, world.db, immediate=True))
    )
    yield client
    client.close()
    client.app.state.ctx.db.dispose()  # type: ignore[attr-defined]


def _status(http: TestClient, token: str) -> int:
    answer = http.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    return int(answer.status_code)


def test_token_list_and_revoke_by_id(world, http):
    seller_token = accounts.create_token(world.db, user_email=SELLER)
    accounts.create_token(world.db, integration_org="Org A")
    accounts.create_token(world.db, user_email=OTHER_ADMIN)
    listed = cosell(world, "token", "list", "--org", "Org A", "--json")
    assert listed.exit_code == 0, listed.stderr
    tokens = json.loads(listed.stdout)
    assert {(t["kind"], t["user"]) for t in tokens} == {("user", SELLER), ("integration", None)}
    assert all(t["revoked_at"] is None for t in tokens)
    table = cosell(world, "token", "list")
    assert SELLER in table.stdout and OTHER_ADMIN in table.stdout and "integration" in table.stdout
    (seller,) = [t for t in tokens if t["user"] == SELLER]
    assert _status(http, seller_token) == 200
    revoked = cosell(world, "token", "revoke", str(seller["id"]))
    assert revoked.exit_code == 0 and "1 token revoked" in revoked.stdout
    assert _status(http, seller_token) == 401
    again = json.loads(cosell(world, "token", "list", "--org", "Org A", "--json").stdout)
    assert [t["revoked_at"] is not None for t in again if t["id"] == seller["id"]] == [True]
    unknown = cosell(world, "token", "revoke", "99999")
    assert unknown.exit_code == 2 and "no token has the id 99999" in unknown.stderr


def test_token_revoke_by_user_and_by_value(world, http):
    first = accounts.create_token(world.db, user_email=SELLER)
    second = accounts.create_token(world.db, user_email=SELLER)
    admin = accounts.create_token(world.db, user_email=ADMIN)
    by_user = cosell(world, "token", "revoke", "--as", SELLER)
    assert by_user.exit_code == 0 and "2 tokens revoked" in by_user.stdout
    assert (_status(http, first), _status(http, second), _status(http, admin)) == (401, 401, 200)
    by_value = cosell(world, "token", "revoke", "--token", admin)
    assert by_value.exit_code == 0 and _status(http, admin) == 401
    nothing = cosell(world, "token", "revoke")
    assert nothing.exit_code == 2


def test_user_deactivate_and_activate(world, http):
    token = accounts.create_token(world.db, user_email=SELLER)
    out = cosell(world, "user", "deactivate", SELLER)
    assert out.exit_code == 0, out.stderr
    assert f"{SELLER} deactivated" in out.stdout and "1 token revoked" in out.stdout
    assert _status(http, token) == 401
    with pytest.raises(NotFound):
        accounts.actor_for(world.db, SELLER)
    back = cosell(world, "user", "activate", SELLER)
    assert back.exit_code == 0 and f"{SELLER} activated" in back.stdout
    assert accounts.actor_for(world.db, SELLER).email == SELLER


def test_the_last_admin_of_an_organization_stays(world):
    out = cosell(world, "user", "deactivate", OTHER_ADMIN)
    assert out.exit_code == 2 and "keep an admin" in out.stderr
    demote = cosell(world, "user", "set-role", OTHER_ADMIN, "user")
    assert demote.exit_code == 2 and "keep an admin" in demote.stderr


def test_user_set_role(world):
    out = cosell(world, "user", "set-role", SELLER, "admin")
    assert out.exit_code == 0 and "Referrals admin" in out.stdout
    assert accounts.actor_for(world.db, SELLER).is_admin
    assert cosell(world, "user", "set-role", SELLER, "boss").exit_code == 2
    # now Org A has two admins, so the first may be demoted
    assert cosell(world, "user", "set-role", ADMIN, "user").exit_code == 0


def test_user_set_password_generates_or_takes_one(world):
    from cosell.web.security import sign_in

    out = cosell(world, "user", "set-password", SELLER)
    assert out.exit_code == 0, out.stderr
    found = re.search(r"password: (\S+)", out.stdout)
    assert found
    assert sign_in(world.db, SELLER, found.group(1), "cli-test") is not None
    given = cosell(world, "user", "set-password", SELLER, "--password", "chosen-pass-9")
    assert given.exit_code == 0 and "chosen-pass-9" not in given.stdout
    assert sign_in(world.db, SELLER, "chosen-pass-9", "cli-test") is not None
    short = cosell(world, "user", "set-password", SELLER, "--password", "short")
    assert short.exit_code == 2 and "at least 8" in short.stderr
    nobody = cosell(world, "user", "deactivate", "nobody@org-a.example")
    assert nobody.exit_code == 2 and "no user has the email" in nobody.stderr


def test_user_set_language(world):
    out = cosell(world, "user", "set-language", SELLER, "sv")
    assert out.exit_code == 0 and f"{SELLER} reads the pages in sv" in out.stdout
    with world.db.reading() as uow:
        assert uow.accounts.user_by_email(SELLER).language == "sv"
    out = cosell(world, "user", "set-language", SELLER, "browser")
    assert out.exit_code == 0 and "the browser's language" in out.stdout
    with world.db.reading() as uow:
        assert uow.accounts.user_by_email(SELLER).language is None
    wrong = cosell(world, "user", "set-language", SELLER, "de")
    assert wrong.exit_code == 2 and 'not "de"' in wrong.stderr
    nobody = cosell(world, "user", "set-language", "nobody@example.com", "nl")
    assert nobody.exit_code != 0 and "no user has the email nobody@example.com" in nobody.stderr
