"""Access that can be ended: sign-out, password changes, deactivation and role changes end
sessions on the server; the Users page gives an admin those actions; the sign-in throttle
locks out per email and address and slows down per address."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from cosell.queue.job_queue import JobQueue
from cosell.services import accounts
from cosell.web.security import COOKIE
from tests.support import ADMIN, OTHER_ADMIN, SELLER, World
from tests.ui.conftest import PASSWORD, Client, form_token, sign_in

Browser = Callable[..., Client]


@pytest.fixture
def browser(world: World) -> Iterator[Browser]:
    """`browser(email=None, address="10.0.0.1")`: a client from that network address."""
    from fastapi.testclient import TestClient

    from cosell.web.app import create_app

    made: list[Client] = []

    def make(email: str | None = None, address: str = "10.0.0.1") -> Client:
        app = create_app(world.settings, queue=JobQueue(world.settings, world.db, immediate=True))
        client = TestClient(app, raise_server_exceptions=False, client=(address, 50000))
        made.append(client)
        if email is not None:
            sign_in(client, email)
        return client

    yield make
    for client in made:
        client.close()
        client.app.state.ctx.db.dispose()  # type: ignore[attr-defined]


def _signed_out(client: Client) -> bool:
    answer = client.get("/", follow_redirects=False)
    return bool(answer.status_code == 303 and answer.headers["location"].startswith("/sign-in"))


def _copy(client: Client, into: Client) -> None:
    """What an attacker does with a stolen cookie: replay it from another browser."""
    into.cookies.set(COOKIE, client.cookies[COOKIE])


def _try_sign_in(client: Client, email: str, password: str) -> int:
    token = form_token(client.get("/sign-in").text)
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return int(answer.status_code)


def _user_id(world: World, email: str) -> int:
    from cosell.store.accounts import user_by_email

    with world.db.read() as conn:
        user = user_by_email(conn, email)
    assert user is not None
    return user.id


def _act(admin: Client, world: World, email: str, action: str, **form: str):
    token = form_token(admin.get("/admin/users").text)
    return admin.post(
        f"/admin/users/{_user_id(world, email)}/{action}",
        data={"csrf_token": token, **form},
        follow_redirects=False,
    )


# ------------------------------------------------------------------ sessions
def test_a_copied_cookie_stops_working_after_sign_out(browser):
    victim = browser(SELLER)
    thief = browser()
    _copy(victim, thief)
    assert thief.get("/").status_code == 200
    csrf = form_token(victim.get("/").text)
    victim.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert _signed_out(thief)
    # nor can it write: the API refuses the replayed cookie with its CSRF header
    answer = thief.put("/api/v1/referrals/x/favorite", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 401


def test_a_password_change_ends_every_session(browser, world):
    first, second = browser(SELLER), browser(SELLER)
    accounts.set_password(world.db, SELLER, "a-new-password-1")
    assert _signed_out(first) and _signed_out(second)
    assert _try_sign_in(browser(), SELLER, PASSWORD) == 401
    assert _try_sign_in(browser(), SELLER, "a-new-password-1") == 303


# ------------------------------------------------------------------ the Users page
def test_an_admin_deactivates_a_user_whose_session_and_token_stop_at_once(browser, world):
    seller = browser(SELLER)
    token = accounts.create_token(world.db, user_email=SELLER)
    bearer = {"Authorization": f"Bearer {token}"}
    assert seller.get("/api/v1/referrals", headers=bearer).status_code == 200
    admin = browser(ADMIN)
    answer = _act(admin, world, SELLER, "deactivate")
    assert answer.status_code == 303
    page = admin.get(answer.headers["location"]).text
    assert f"{SELLER} was deactivated" in page
    assert _signed_out(seller)
    assert browser().get("/api/v1/referrals", headers=bearer).status_code == 401
    assert _try_sign_in(browser(), SELLER, PASSWORD) == 401
    _act(admin, world, SELLER, "activate")
    assert _try_sign_in(browser(), SELLER, PASSWORD) == 303
    # a reactivated user gets a new token from the operator; the old one stays revoked
    assert browser().get("/api/v1/referrals", headers=bearer).status_code == 401


def test_an_admin_changes_a_role_and_the_users_session_ends(browser, world):
    seller = browser(SELLER)
    assert seller.get("/admin/users").status_code == 403
    admin = browser(ADMIN)
    assert _act(admin, world, SELLER, "role", role="admin").status_code == 303
    assert _signed_out(seller)
    again = browser(SELLER)
    assert again.get("/admin/users").status_code == 200


def test_an_admin_resets_a_password_and_sees_it_once(browser, world):
    seller = browser(SELLER)
    admin = browser(ADMIN)
    answer = _act(admin, world, SELLER, "password")
    assert answer.status_code == 200
    found = re.search(r'id="generated-password">([^<]+)<', answer.text)
    assert found, answer.text
    assert "not shown again" in answer.text
    assert found.group(1) not in admin.get("/admin/users").text
    assert _signed_out(seller)
    assert _try_sign_in(browser(), SELLER, PASSWORD) == 401
    assert _try_sign_in(browser(), SELLER, found.group(1)) == 303


def test_an_admin_cannot_deactivate_or_demote_themselves(browser, world):
    admin = browser(ADMIN)
    for action, form in (("deactivate", {}), ("role", {"role": "user"})):
        answer = _act(admin, world, ADMIN, action, **form)
        assert answer.status_code == 422
        assert "keep an admin" in answer.text
    assert admin.get("/admin/users").status_code == 200


def test_the_users_page_actions_need_an_admin_of_the_same_org_and_the_csrf_token(browser, world):
    seller = browser(SELLER)
    token = form_token(seller.get("/").text)
    target = f"/admin/users/{_user_id(world, ADMIN)}/deactivate"
    assert seller.post(target, data={"csrf_token": token}).status_code == 403
    other = browser(OTHER_ADMIN)
    other_token = form_token(other.get("/admin/users").text)
    assert other.post(target, data={"csrf_token": other_token}).status_code == 404
    admin = browser(ADMIN)
    assert admin.post(f"/admin/users/{_user_id(world, SELLER)}/deactivate").status_code == 403
    assert accounts.actor_for(world.db, SELLER)  # still active


def test_the_users_page_offers_the_actions(browser):
    page = browser(ADMIN).get("/admin/users").text
    for action in ("deactivate", "role", "password"):
        assert re.search(rf'action="/admin/users/\d+/{action}"', page), action


# ------------------------------------------------------------------ the throttle
def test_lockout_is_per_email_and_address_so_a_guesser_cannot_lock_the_owner_out(browser):
    guesser = browser(address="203.0.113.9")
    for _ in range(5):
        assert _try_sign_in(guesser, SELLER, "wrong-one") == 401
    assert _try_sign_in(guesser, SELLER, PASSWORD) == 429
    owner = browser(address="198.51.100.7")
    assert _try_sign_in(owner, SELLER, PASSWORD) == 303


def test_one_address_guessing_many_emails_is_slowed_down(browser):
    guesser = browser(address="203.0.113.10")
    form = [form_token(guesser.get("/sign-in").text)]

    def attempt(email: str, password: str):
        data = {"email": email, "password": password, "csrf_token": form[-1]}
        answer = guesser.post("/sign-in", data=data, follow_redirects=False)
        form.append(form_token(answer.text))  # each answer's form comes with a new token
        return answer

    answers: list[int] = []
    while 429 not in answers and len(answers) < 20:
        answers.append(attempt(f"nobody{len(answers)}@org-a.example", "guess").status_code)
    assert answers[:10] == [401] * 10 and answers[-1] == 429, answers
    # the address must wait before its next try, even with the right password
    page = attempt(ADMIN, PASSWORD)
    assert page.status_code == 429 and "from this address" in page.text
    assert int(page.headers["retry-after"]) >= 1
    assert _try_sign_in(browser(address="198.51.100.8"), ADMIN, PASSWORD) == 303
