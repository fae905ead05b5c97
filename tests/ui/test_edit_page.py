"""Editing a deal on its page (issue 10 §1; rules §1.3–1.5, §5.3): the form derived from
the field table, the rules and messages of the API's service, read-only fields with
their reason, status moves, reasons, solutions and team, and a change made meanwhile."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest

from cosell.errors import NotFound
from cosell.services import accounts, referrals
from cosell.services.referral_changes import update_referral
from cosell.services.referral_input import MemberInput, ReferralInput
from tests.support import ADMIN, OTHER_ADMIN, SELLER, World, csv_bytes, row, run_import
from tests.ui.conftest import Client, MakeClient, form_token


def create(world: World, **changes: str) -> str:
    result = run_import(world, world.admin, csv_bytes([row(**changes)]))
    assert result.count("created") == 1, result.failures
    return result.result_rows()[0]["Referral ID"]


class _Form(HTMLParser):
    """The values a browser would send for the edit form, without its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str | list[str]] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False
        self._textarea: str | None = None
        self._in_form = False

    def _put(self, name: str, value: str) -> None:
        if name == "conflict":
            listed = self.values.setdefault(name, [])
            assert isinstance(listed, list)
            listed.append(value)
        else:
            self.values[name] = value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "edit-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input":
            kind = a.get("type")
            if kind not in ("submit", "radio") or (kind == "radio" and "checked" in a):
                self._put(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select, self._first, self._chosen = a["name"], None, False
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
                self._chosen = True
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        if tag == "select" and self._select is not None:
            if not self._chosen:
                self.values[self._select] = self._first or ""
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            current = self.values[self._textarea]
            assert isinstance(current, str)
            self.values[self._textarea] = current + data


def form_of(html: str) -> dict[str, str | list[str]]:
    parser = _Form()
    parser.feed(html)
    assert parser.values, "the page has no edit form"
    return parser.values


def open_form(client: Client, rid: str) -> dict[str, str | list[str]]:
    answer = client.get(f"/referrals/{rid}/edit")
    assert answer.status_code == 200, answer.text
    return form_of(answer.text)


def post(client: Client, rid: str, data: dict[str, str | list[str]], action: str = "save", **kw):
    return client.post(
        f"/referrals/{rid}/edit", data={**data, "action": action}, follow_redirects=False, **kw
    )


def text(answer) -> str:
    return unescape(answer.text)


def stored(world: World, rid: str):
    return referrals.get_referral(world.db, world.admin, rid)


def options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


# ------------------------------------------------------------------ saving
def test_an_edit_is_saved_with_history_source_page(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    assert f'href="/referrals/{rid}/edit"' in client.get(f"/referrals/{rid}").text
    form = open_form(client, rid)
    assert form["version"] == "1" and form["deal_name"] == "UK Spring Deal"
    form.update(deal_name="UK Summer Deal", notes="Called the customer\nTwice", sales_stage="60")
    answer = post(client, rid, form)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/referrals/{rid}#history"
    deal = stored(world, rid)
    assert (deal.deal_name, deal.notes, deal.sales_stage, deal.version) == (
        "UK Summer Deal",
        "Called the customer\nTwice",
        60,
        2,
    )
    entry = referrals.history(world.db, world.admin, rid)[0]
    assert entry.source == "page" and entry.action == "updated"
    assert set(entry.changes) == {"Deal Name", "Notes", "Sales Stage"}
    page = text(client.get(f"/referrals/{rid}"))
    assert "UK Summer Deal" in page and "Web page" in page


def test_saving_an_unchanged_form_writes_nothing(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    assert post(client, rid, open_form(client, rid)).status_code == 303
    assert stored(world, rid).version == 1
    assert len(referrals.history(world.db, world.admin, rid)) == 1


def test_a_refused_edit_shows_the_services_messages_beside_the_fields(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    form.update(deal_value="12,5.x", deal_name="", currency="XYZ")
    answer = post(client, rid, form)
    assert answer.status_code == 422
    page = text(answer)
    assert "The deal was not saved" in page
    assert "Mandatory field Deal Name missing" in page
    assert '"XYZ" is not valid' in page
    # each message is bound to its input and listed in a summary that takes the focus
    for key in ("deal_name", "deal_value", "currency"):
        assert re.search(
            rf'id="f-{key}" name="{key}"[^>]*aria-describedby="[^"]*f-{key}-error"', page
        ), key
        assert f'href="#f-{key}"' in page
    assert re.search(r'id="edit-summary"[^>]*tabindex="-1"[^>]*autofocus', page)
    # what was typed stays in the form
    again = form_of(answer.text)
    assert again["deal_value"] == "12,5.x" and again["currency"] == "XYZ"
    assert stored(world, rid).version == 1


# ------------------------------------------------------------------ read-only fields
def test_fixed_fields_are_shown_read_only_with_the_reason_and_refused_if_forced(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    page = text(client.get(f"/referrals/{rid}/edit"))
    for name in ("customer_name", "country", "duns", "consent", "ms_status", "id"):
        assert f'name="{name}"' not in page, name
    block = page[page.index('id="f-customer_name"') :][:400]
    assert "Contoso Corporation" in block and "cannot change after the deal is created" in block
    assert "identifies the deal, never changes" in page
    assert "set by Microsoft only" in page
    form = open_form(client, rid)
    form["customer_name"] = "Fabrikam"
    answer = post(client, rid, form)
    assert answer.status_code == 422
    assert (
        'cannot change after the deal is created (stored "Contoso Corporation", '
        'given "Fabrikam")' in text(answer)
    )
    assert stored(world, rid).customer_name == "Contoso Corporation"


def test_fields_locked_by_shared_help_are_read_only(world, make_client):
    rid = create(
        world,
        **{
            "Microsoft help required?": "Yes",
            "What specific help from Microsoft?": "2",
            "Customer Contact First Name": "Ann",
            "Customer Contact Last Name": "Buyer",
            "Customer Contact Phone number": "5551234",
            "Customer Contact Email Address": "ann@contoso.example",
        },
    )
    page = text(make_client(ADMIN).get(f"/referrals/{rid}/edit"))
    for name in ("contact_first_name", "help_required", "help_code", "notes_to_ms"):
        assert f'name="{name}"' not in page, name
    assert "locked since the deal was shared with Microsoft for help" in page
    # shared with the Microsoft sales team (the sample row): that stays Yes
    assert 'name="share_with_ms"' not in page
    assert "stays Yes once the deal was shared with the Microsoft sales team" in page
    assert 'name="deal_name"' in page


def test_a_closed_deal_offers_nothing_and_says_why(world, make_client):
    rid = create(world)
    update_referral(
        world.db, world.admin, rid, ReferralInput({"status": "Closed", "substatus": "Won"}),
        expected_version=1, source="api", settings=world.settings,
    )  # fmt: skip
    client = make_client(ADMIN)
    answer = client.get(f"/referrals/{rid}/edit")
    page = text(answer)
    assert "This deal is closed (Won): no field can change any more." in page
    assert "Save changes" not in page and 'name="deal_name"' not in page
    assert 'name="solutions-count"' not in page
    form = form_of(answer.text)
    form["notes"] = "Forced"
    refused = post(client, rid, form)
    assert refused.status_code == 422
    assert "the deal is closed (Won), no field can change (tried: Notes)" in text(refused)
    assert stored(world, rid).notes == "This is a sample note"


# ------------------------------------------------------------------ status and reason
def test_only_allowed_status_moves_are_offered_and_others_refused(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    page = client.get(f"/referrals/{rid}/edit").text
    assert options(page, "status") == [
        "Active/Accepted",
        "Closed/Won",
        "Closed/Lost",
        "Closed/Error",
    ]
    form = form_of(page)
    for forced, message in (
        ("New/Pending", "a deal cannot move from Active/Accepted to New/Pending"),
        ("Closed/Declined", "a deal cannot move from Active/Accepted to Closed/Declined"),
        ("Closed/Expired", "only the system expires a deal"),
    ):
        answer = post(client, rid, {**form, "status": forced})
        assert answer.status_code == 422
        assert message in text(answer)
        assert re.search(r'id="f-status"[^>]*aria-invalid="true"', answer.text)
    assert stored(world, rid).status.value == "Active"


def test_the_reason_appears_only_for_a_status_that_needs_one(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    assert "reason" not in form
    lost = post(client, rid, {**form, "status": "Closed/Lost"}, action="refresh")
    assert lost.status_code == 200
    assert options(lost.text, "reason")[1:] == [str(n) for n in range(1, 9)]
    assert "3 – Customer chose another vendor" in text(lost)
    error = post(client, rid, {**form, "status": "Closed/Error"}, action="refresh")
    assert "7 – Test referral" in text(error) and len(options(error.text, "reason")) == 10
    won = post(client, rid, {**form, "status": "Closed/Won"}, action="refresh")
    assert 'name="reason"' not in won.text
    assert "100" in options(won.text, "sales_stage")
    assert "100" not in options(lost.text, "sales_stage")
    # htmx asks for the form alone when the status changes
    token = form_token(lost.text)
    fragment = post(
        client,
        rid,
        {**form, "status": "Closed/Lost"},
        action="refresh",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="edit-form"' in fragment.text and 'name="reason"' in fragment.text


def test_a_reason_is_asked_for_and_saved_with_the_closing_status(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    # without script: Save straight away; the service asks for the reason
    answer = post(client, rid, {**form, "status": "Closed/Lost"})
    assert answer.status_code == 422
    page = text(answer)
    assert "a reason is required when the substatus is Lost" in page
    assert re.search(r'id="f-reason" name="reason"[^>]*aria-invalid="true"', page)
    again = form_of(answer.text)
    assert again["status"] == "Closed/Lost"
    saved = post(client, rid, {**again, "reason": "3"})
    assert saved.status_code == 303
    deal = stored(world, rid)
    assert (deal.status.value, deal.substatus.value, deal.reason) == ("Closed", "Lost", 3)


# ------------------------------------------------------------------ solutions and team
def test_solutions_and_team_members_are_added_and_removed(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    assert form["solutions-count"] == "1"
    form["deal_name"] = "Typed before adding"
    added = post(client, rid, form, action="add-solutions")
    assert added.status_code == 200
    assert re.search(r'id="f-solutions-1-solution_id"[^>]*autofocus', added.text)
    form = form_of(added.text)
    assert form["solutions-count"] == "2" and form["deal_name"] == "Typed before adding"
    form.update({"solutions-1-solution_id": "SOL-2001-AZML", "solutions-1-quantity": "3"})
    form = form_of(post(client, rid, form, action="add-team").text)
    form.update(
        {
            "team-1-first_name": "Cara",
            "team-1-last_name": "Closer",
            "team-1-email": "cara@org-a.example",
        }
    )
    assert post(client, rid, form).status_code == 303
    deal = stored(world, rid)
    assert [s.solution_id for s in deal.solutions] == ["SOL-1234-PQRS", "SOL-2001-AZML"]
    assert deal.solutions[1].quantity == 3
    assert [m.email for m in deal.team] == [SELLER, "cara@org-a.example"]
    form = open_form(client, rid)
    removed = post(client, rid, form, action="remove-solutions-0")
    assert re.search(r'id="f-solutions-add"[^>]*autofocus', removed.text)
    form = form_of(removed.text)
    assert form["solutions-count"] == "1" and form["solutions-0-solution_id"] == "SOL-2001-AZML"
    form = form_of(post(client, rid, form, action="remove-team-1").text)
    assert post(client, rid, form).status_code == 303
    deal = stored(world, rid)
    assert [s.solution_id for s in deal.solutions] == ["SOL-2001-AZML"]
    assert [m.email for m in deal.team] == [SELLER]


def test_removing_every_team_member_is_refused_with_the_files_message(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = form_of(post(client, rid, open_form(client, rid), action="remove-team-0").text)
    answer = post(client, rid, form)
    assert answer.status_code == 422
    assert "Mandatory field Team member 1 missing" in text(answer)
    solution = post(client, rid, {**form, "solutions-0-solution_id": "SOL-9999-NONE"})
    assert "SOL-9999-NONE" in text(solution)
    assert 'id="f-solutions-0-error"' in solution.text


def test_a_referrals_user_cannot_remove_themselves(world, make_client):
    rid = create(world)
    client = make_client(SELLER)
    form = open_form(client, rid)
    form.update({"team-0-email": "someone@org-a.example"})
    answer = post(client, rid, form)
    assert answer.status_code == 422
    assert "you cannot remove yourself from the team" in text(answer)


def test_at_most_max_group_items_solutions_and_members(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    page = text(client.get(f"/referrals/{rid}/edit"))
    assert "Up to 50 per deal" in page
    form = open_form(client, rid)
    members = {"team-count": "50"}
    for n in range(50):
        members.update(
            {
                f"team-{n}-first_name": f"M{n}",
                f"team-{n}-last_name": "Member",
                f"team-{n}-email": SELLER if n == 0 else f"m{n}@org-a.example",
            }
        )
    full = post(client, rid, {**form, **members}, action="refresh")
    assert re.search(r'id="f-team-add"[^>]*disabled', full.text)
    assert "At most 50 team members per deal." in text(full)
    forced = post(client, rid, {**form, **members}, action="add-team")
    assert forced.status_code == 422 and form_of(forced.text)["team-count"] == "50"
    over = {
        **members,
        "team-count": "51",
        "team-50-first_name": "One",
        "team-50-last_name": "Toomany",
        "team-50-email": "m50@org-a.example",
    }
    refused = post(client, rid, {**form, **over})
    assert refused.status_code == 422
    assert "at most 50 team members per deal, 51 given" in text(refused)
    assert post(client, rid, {**form, **members}).status_code == 303
    assert len(stored(world, rid).team) == 50


def test_the_limit_follows_the_setting(world, make_client):
    rid = create(world)
    client = make_client(ADMIN, max_group_items=2)
    form = form_of(post(client, rid, open_form(client, rid), action="add-solutions").text)
    assert form["solutions-count"] == "2"
    page = post(client, rid, form, action="add-solutions")
    assert page.status_code == 422
    assert "At most 2 solutions per deal." in text(page)
    assert form_of(page.text)["solutions-count"] == "2"


# ------------------------------------------------------------------ a change made meanwhile
def _change_meanwhile(world: World, rid: str) -> None:
    update_referral(
        world.db, world.admin, rid,
        ReferralInput({"notes": "Their note", "crm_id": "CRM-THEIRS"}),
        expected_version=1, source="api", settings=world.settings,
    )  # fmt: skip


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_a_change_saved_meanwhile_is_shown_and_chosen_per_field(world, make_client, keep):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    _change_meanwhile(world, rid)
    form.update(notes="My note", deal_name="My deal name")
    answer = post(client, rid, form)
    assert answer.status_code == 409
    page = text(answer)
    assert "Someone else saved this deal while you were editing it" in page
    assert "Nothing was saved. The deal is now at version 2." in page
    assert 'href="#f-notes-choice"' in page and 'href="#f-crm_id-choice"' in page
    notes = page[page.index('id="f-notes-choice"') :][:1200]
    assert "My note" in notes and "Their note" in notes
    crm = page[page.index('id="f-crm_id-choice"') :][:1200]
    assert "CRM-THEIRS" in crm
    # a field only they changed defaults to their value; one both changed waits for a choice
    again = form_of(answer.text)
    assert again["version"] == "2"
    assert again["choose-crm_id"] == "theirs" and "choose-notes" not in again
    assert "deal_name-choice" not in page
    refused = post(client, rid, again)
    assert refused.status_code == 422
    assert "Choose which value to keep." in text(refused)
    assert stored(world, rid).notes == "Their note"
    saved = post(client, rid, {**form_of(refused.text), "choose-notes": keep})
    assert saved.status_code == 303
    deal = stored(world, rid)
    assert deal.notes == ("My note" if keep == "mine" else "Their note")
    assert deal.crm_id == "CRM-THEIRS" and deal.deal_name == "My deal name"
    assert deal.version == 3
    assert referrals.history(world.db, world.admin, rid)[0].source == "page"


def test_a_deal_closed_meanwhile_cannot_be_saved_over(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    update_referral(
        world.db, world.admin, rid, ReferralInput({"status": "Closed", "substatus": "Won"}),
        expected_version=1, source="api", settings=world.settings,
    )  # fmt: skip
    answer = post(client, rid, {**form, "notes": "Too late"})
    assert answer.status_code == 409
    page = text(answer)
    assert "Someone else saved this deal while you were editing it" in page
    assert "This deal is closed (Won): no field can change any more." in page
    assert "Save changes" not in page and "choose-" not in page
    assert stored(world, rid).notes == "This is a sample note"


def test_a_conflict_on_the_team_offers_both_lists(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    team = [MemberInput("Bob", "Partner", SELLER), MemberInput("Dan", "D", "dan@x.example")]
    update_referral(
        world.db, world.admin, rid, ReferralInput(team=team),
        expected_version=1, source="api", settings=world.settings,
    )  # fmt: skip
    form.update({"team-0-first_name": "Robert"})
    answer = post(client, rid, form)
    assert answer.status_code == 409
    page = text(answer)
    block = page[page.index('id="f-team-choice"') :][:1500]
    assert "Robert" in block and "dan@x.example" in block
    saved = post(client, rid, {**form_of(answer.text), "choose-team": "theirs"})
    assert saved.status_code == 303
    assert [m.first_name for m in stored(world, rid).team] == ["Bob", "Dan"]


# ------------------------------------------------------------------ who may edit
def test_the_form_needs_the_csrf_token(world, make_client):
    rid = create(world)
    client = make_client(ADMIN)
    form = open_form(client, rid)
    form["deal_name"] = "Forged"
    del form["csrf_token"]
    answer = post(client, rid, form)
    assert answer.status_code == 403
    assert "did not come from this site" in answer.text
    assert post(client, rid, {**form, "csrf_token": "forged"}).status_code == 403
    assert stored(world, rid).deal_name == "UK Spring Deal"


def test_only_who_may_see_a_deal_may_edit_it(world, make_client):
    rid = create(world, Team_member_1=f"Ann, Admin, , {ADMIN}")
    for email in (SELLER, OTHER_ADMIN):
        client = make_client(email)
        assert client.get(f"/referrals/{rid}/edit").status_code == 404
        token = form_token(client.get("/").text)
        answer = client.post(
            f"/referrals/{rid}/edit", data={"csrf_token": token, "deal_name": "Taken"}
        )
        assert answer.status_code == 404
    with pytest.raises(NotFound):
        referrals.get_referral(world.db, world.seller, rid)
    assert stored(world, rid).deal_name == "UK Spring Deal"


def test_the_integration_token_cannot_use_the_edit_page(world, make_client):
    rid = create(world)
    token = accounts.create_token(world.db, integration_org="Org A")
    client = make_client()
    answer = client.get(f"/referrals/{rid}/edit", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    answer = client.post(
        f"/referrals/{rid}/edit",
        data={"deal_name": "Taken"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403
    assert stored(world, rid).deal_name == "UK Spring Deal"


def test_the_edit_page_in_dutch(world, make_client: MakeClient):
    rid = create(world)
    client = make_client(ADMIN)
    page = client.get(f"/referrals/{rid}/edit", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    assert '<html lang="nl">' in page.text
    assert "Wijzigingen opslaan" in page.text and "Save changes" not in page.text
