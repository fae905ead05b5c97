"""The import page's mapping step (issue 10 §3): a CRM export gets a suggested mapping,
the user edits it, saves it as a profile or applies one, and imports."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.crm import SAMPLES
from tests.support import ADMIN, SELLER, read_csv
from tests.ui.conftest import form_token


class _Form(HTMLParser):
    """The fields of the mapping form as a browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.first: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") != "checkbox":
            self.fields[name] = a.get("value") or ""
        elif tag == "select" and name:
            self.select, self.first = name, None
        elif tag == "option" and self.select:
            if self.first is None:
                self.first = a.get("value") or ""
                self.fields.setdefault(self.select, self.first)
            if "selected" in a:
                self.fields[self.select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def fields_of(page: str) -> dict[str, str]:
    form = _Form()
    form.feed(page.split('id="mapping-form"')[1].split("</form>")[0].join(["<form ", "</form>"]))
    return form.fields


def column_index(fields: dict[str, str], page: str, header: str) -> str:
    marker = '<label for="col_'
    for part in page.split(marker)[1:]:
        index, rest = part.split('"', 1)
        if rest.startswith(f">{header}<"):
            return index
    raise AssertionError(f"no column {header}")


def upload(client, data, name, **fields):
    token = form_token(client.get("/imports").text)
    return client.post(
        "/imports",
        data={"csrf_token": token, **fields},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_a_crm_export_gets_the_mapping_step_with_a_suggestion(world, make_client):
    client = make_client(ADMIN)
    sample = SAMPLES["salesforce"]
    page = upload(client, sample.path.read_bytes(), sample.file)
    assert page.status_code == 200
    assert "Map the columns of salesforce_opportunities.csv" in page.text
    fields = fields_of(page.text)
    assert fields[f"col_{column_index(fields, page.text, 'Opportunity Name')}"] == "Deal Name"
    assert fields[f"col_{column_index(fields, page.text, 'Stage')}"] == "Partner Referral Status"
    assert fields[f"col_{column_index(fields, page.text, 'Opportunity Owner')}"] == ""
    values = {fields[f"const_name_{i}"]: fields[f"const_{i}"] for i in range(15)}
    assert values["Consent to share Customer/Partner contact"] == "Yes"
    assert values["Team member 1"].endswith(f", {ADMIN}")
    assert values["Solution 1"] == "SOL-1234-PQRS"
    # Nothing is imported yet.
    assert world.db and not client.get("/imports").text.count('data-job="')


def test_edit_save_as_profile_and_import(world, make_client):
    client = make_client(ADMIN)
    sample = SAMPLES["salesforce"]
    page = upload(client, sample.path.read_bytes(), sample.file).text
    fields = fields_of(page)
    # The user also keeps the owner as notes, instead of the description.
    fields[f"col_{column_index(fields, page, 'Description')}"] = ""
    fields[f"col_{column_index(fields, page, 'Opportunity Owner')}"] = "Notes"
    # And gives the rows without a currency one (a cell left empty takes it).
    currency = next(k for k, v in fields.items() if k.startswith("const_name_") and v == "Currency")
    fields[currency.replace("const_name_", "const_")] = "USD"
    fields["save_as"] = "Our Salesforce"
    done = client.post("/imports/mapping", data={**fields, "action": "import"})
    assert done.status_code == 200 and done.url.path == "/imports", done.text
    card = done.text.split('id="last-file"')[1].split("</section>")[0]
    assert 'data-count="created">10<' in card
    assert 'data-count="failed">5<' in card
    job_id = card.split("/imports/")[1].split("/results")[0]
    rows = read_csv(client.get(f"/imports/{job_id}/results?format=csv").content)
    assert list(rows[0])[:3] == ["Errors", "Opportunity Owner", "Account Name"]
    assert "Billing City: Mandatory field Customer City missing" in rows[12]["Errors"]
    # The profile is the organization's: the seller sees it on the next CRM file.
    seller = make_client(SELLER)
    step = upload(seller, SAMPLES["hubspot"].path.read_bytes(), "deals.csv").text
    assert ">Our Salesforce</option>" in step


def test_apply_a_built_in_profile(world, make_client):
    client = make_client(ADMIN)
    sample = SAMPLES["dynamics365"]
    page = upload(client, sample.path.read_bytes(), sample.file).text
    fields = fields_of(page)
    applied = client.post(
        "/imports/mapping",
        data={**fields, "action": "apply", "profile": "Dynamics 365 Sales opportunities"},
    )
    assert applied.status_code == 200
    fields = fields_of(applied.text)
    assert fields[f"col_{column_index(fields, applied.text, 'Topic')}"] == "Deal Name"
    assert fields[f"col_{column_index(fields, applied.text, 'Pipeline Phase')}"] == "Sales Stage"
    assert "US Dollar" in fields["extra_convert"]
    done = client.post("/imports/mapping", data={**fields, "action": "import", "dry_run": "1"})
    card = done.text.split('id="last-file"')[1].split("</section>")[0]
    assert 'data-count="created">10<' in card
    assert 'data-count="failed">4<' in card


def test_a_mapping_that_cannot_be_used_is_shown_with_every_problem(world, make_client):
    client = make_client(ADMIN)
    sample = SAMPLES["hubspot"]
    page = upload(client, sample.path.read_bytes(), sample.file).text
    fields = fields_of(page)
    fields[f"col_{column_index(fields, page, 'Deal owner')}"] = "Deal Name"
    answer = client.post("/imports/mapping", data={**fields, "action": "import"})
    assert answer.status_code == 422
    assert "The mapping cannot be used." in answer.text
    assert "both fill &#34;Deal Name&#34;" in answer.text or 'both fill "Deal Name"' in answer.text


def test_our_own_files_skip_the_step(world, make_client):
    from tests.support import csv_bytes, row

    client = make_client(ADMIN)
    page = upload(client, csv_bytes([row()]), "deals.csv")
    assert page.url.path == "/imports"
    assert "Map the columns" not in page.text


def test_a_kept_upload_of_another_organization_is_not_found(world, make_client):
    client = make_client(ADMIN)
    page = upload(client, SAMPLES["hubspot"].path.read_bytes(), "deals.csv").text
    fields = fields_of(page)
    other = make_client("admin@org-b.example")
    token = form_token(other.get("/imports").text)
    answer = other.post("/imports/mapping", data={**fields, "csrf_token": token})
    assert answer.status_code == 404


def test_an_upload_kept_for_the_step_is_no_orphan_file(world, make_client):
    import datetime as dt

    client = make_client(ADMIN)
    upload(client, SAMPLES["hubspot"].path.read_bytes(), "deals.csv")
    _, problems, _ = world.db.check_integrity(
        dt.datetime.now(dt.UTC).replace(tzinfo=None), dt.timedelta(hours=1), dt.timedelta(hours=1)
    )
    assert [p for p in problems if p.check == "orphan blobs"] == []
