"""The Undo button of a past import: a dry-run preview, then a confirmed undo."""

from __future__ import annotations

import re
from html import unescape

from tests.support import ADMIN, OTHER_ADMIN, SELLER, csv_bytes, row, run_import
from tests.ui.conftest import form_token

UNDO_FORM = re.compile(r'<form method="post" action="/imports/([0-9a-f-]+)/undo"')


def undo_forms(page: str) -> list[str]:
    return UNDO_FORM.findall(page)


def press(client, job_id: str, **fields: str):
    token = form_token(client.get("/imports").text)
    return client.post(f"/imports/{job_id}/undo", data={"csrf_token": token, **fields})


def outbound_total(client) -> str:
    found = re.search(r'data-total="(\d+)"', client.get("/?tab=outbound").text)
    assert found
    return found.group(1)


def test_each_completed_import_has_an_undo_button_but_a_dry_run_has_none(world, make_client):
    real = run_import(world, world.admin, csv_bytes([row()]))
    run_import(world, world.admin, csv_bytes([row()]), dry_run=True)
    page = make_client(ADMIN).get("/imports").text
    assert undo_forms(page) == [real.job_id]
    assert "cannot be undone" not in page


def test_undo_shows_a_preview_then_undoes_on_confirmation(world, make_client):
    imported = run_import(world, world.admin, csv_bytes([row(), row(Deal_Name="Two")]))
    client = make_client(ADMIN)
    preview = press(client, imported.job_id, dry_run="1")
    assert preview.status_code == 200
    body = unescape(preview.text)
    assert "would remove 2 deals" in body and "Nothing has been changed yet" in body
    assert undo_forms(preview.text) == [imported.job_id]
    assert 'name="dry_run"' not in preview.text.split("<main", 1)[1]
    assert outbound_total(client) == "2"

    done = press(client, imported.job_id)
    assert done.status_code == 200
    assert "removed 2 deals" in unescape(done.text)
    assert outbound_total(client) == "0"
    assert undo_forms(done.text) == []
    card = client.get("/imports").text.split('id="last-file"')[1].split("</section>")[0]
    assert 'data-count="created">2<' in card


def test_skipped_deals_are_listed_with_their_changes(world, make_client):
    first = run_import(world, world.admin, csv_bytes([row()]))
    rid = first.result_rows()[0]["Referral ID"]
    update = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "Notes": "x"}]))
    run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "CRM ID": "later"}]))
    body = unescape(press(make_client(ADMIN), update.job_id, dry_run="1").text)
    assert "skip 1 deal" in body and rid in body and "CRM ID" in body and ADMIN in body


def test_an_import_undone_already_says_so(world, make_client):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    client = make_client(ADMIN)
    assert press(client, imported.job_id).status_code == 200
    again = press(client, imported.job_id, dry_run="1")
    assert again.status_code == 409
    assert "already undone" in unescape(again.text)
    assert 'href="/imports"' in again.text
    page = client.get("/imports").text
    line = page.split(f'data-job="{imported.job_id}"')[1].split("</tr>")[0]
    assert '<span class="tag">Undone</span>' in line and undo_forms(line) == []


def test_undo_needs_the_csrf_token(world, make_client):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    client = make_client(ADMIN)
    answer = client.post(f"/imports/{imported.job_id}/undo", data={"csrf_token": "forged"})
    assert answer.status_code == 403
    assert outbound_total(client) == "1"


def test_others_cannot_undo_an_import_they_cannot_see(world, make_client):
    imported = run_import(world, world.admin, csv_bytes([row()]))
    for email in (SELLER, OTHER_ADMIN):
        answer = press(make_client(email), imported.job_id)
        assert answer.status_code == 404
        assert "was not found" in answer.text
    assert outbound_total(make_client(ADMIN)) == "1"
