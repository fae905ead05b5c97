"""Test helpers: files built in code, a ready database with two organizations."""

from __future__ import annotations

import csv
import io
import itertools
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cosell.domain.actor import Actor
from cosell.domain.enums import Role
from cosell.domain.job_types import JobRecord
from cosell.services import accounts
from cosell.services.uow import Backend
from cosell.settings import Settings
from cosell.store.sql_backend import SqlBackend

ADMIN = "admin@org-a.example"
SELLER = "seller@org-a.example"
OTHER_ADMIN = "admin@org-b.example"
CATALOG = ("SOL-1234-PQRS", "SOL-2001-AZML", "SOL-3100-SECR")

#: A create body of the API that passes every rule (the file's VALID_ROW as JSON).
VALID_BODY: dict[str, Any] = {
    "deal_name": "UK Spring Deal",
    "customer_name": "Contoso Corporation",
    "address_1": "One Contoso Way",
    "address_2": "NE 148 street",
    "city": "Redmond",
    "state": "Washington",
    "postal_code": "98052",
    "country": "US",
    "duns": "081466849",
    "status": "New",
    "substatus": "Accepted",
    "sales_stage": 40,
    "deal_value": "12563.50",
    "currency": "USD",
    "close_date": "2027-01-30",
    "crm_id": "34234324-sdfsdf-345345-sfd",
    "notes": "This is a sample note",
    "help_required": False,
    "share_with_ms": True,
    "consent": True,
    "solutions": [
        {"solution_id": "SOL-1234-PQRS", "currency": "USD", "price": "10", "quantity": 100}
    ],
    "team_members": [
        {"first_name": "Bob", "last_name": "Partner", "phone": "999999", "email": SELLER}
    ],
}

VALID_ROW: dict[str, str] = {
    "Deal Name": "UK Spring Deal",
    "Customer Name": "Contoso Corporation",
    "Customer Address Line 1": "One Contoso Way",
    "Customer Address Line 2": "NE 148 street",
    "Customer City": "Redmond",
    "Customer State": "Washington",
    "Customer Postal Code": "98052",
    "Customer Country": "US",
    "Customer D-U-N-S ID": "081466849",
    "Partner Referral Status": "New",
    "Partner Referral Substatus": "Accepted",
    "Sales Stage": "40",
    "Estimated Deal Value": "12563.50",
    "Currency": "USD",
    "Estimated Close Date": "1/30/2027",
    "CRM ID": "34234324-sdfsdf-345345-sfd",
    "Marketing Campaign ID": "BingSummer2020",
    "Notes": "This is a sample note",
    "Microsoft help required?": "No",
    "Share with Microsoft sales team": "Yes",
    "Consent to share Customer/Partner contact": "Yes",
    "Solution 1": "SOL-1234-PQRS, USD, 10, 100",
    "Team member 1": f"Bob, Partner, 999999, {SELLER}",
}


def csv_bytes(
    rows: Sequence[Mapping[str, str]],
    headers: Sequence[str] | None = None,
    *,
    delimiter: str = ",",
    bom: bool = True,
) -> bytes:
    headers = list(headers or (rows[0].keys() if rows else VALID_ROW.keys()))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


def read_csv(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    delimiter = (
        ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    )
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


_rows_made = itertools.count(1)


def row(**changes: str) -> dict[str, str]:
    """The sample row with `changes` (`Deal_Name=` for "Deal Name"). Each call gets its
    own CRM ID, so rows created by separate imports are not taken for duplicates."""
    out = dict(VALID_ROW)
    out["CRM ID"] = f"{VALID_ROW['CRM ID']}-{next(_rows_made)}"
    for key, value in changes.items():
        out[key.replace("_", " ")] = value
    return out


@dataclass
class World:
    db: SqlBackend
    settings: Settings
    admin: Actor
    seller: Actor
    other_admin: Actor


def seed(db: Backend) -> None:
    """Two organizations (A with an admin and a seller, B with an admin), each with
    the solution catalog."""
    org_a = accounts.create_org(db, "Org A", "1111111")
    org_b = accounts.create_org(db, "Org B", "2222222")
    for email, org, role in (
        (ADMIN, org_a.id, Role.ADMIN),
        (SELLER, org_a.id, Role.USER),
        (OTHER_ADMIN, org_b.id, Role.ADMIN),
    ):
        accounts.add_user(db, email, org_id=org, role=role, password="password-123")
    for sid in CATALOG:
        accounts.add_solution(db, sid, org_id=org_a.id)
        accounts.add_solution(db, sid, org_id=org_b.id)


def make_world(url: str) -> World:
    db = SqlBackend(url)
    db.upgrade()
    settings = Settings(database_url=url)
    seed(db)
    return World(
        db,
        settings,
        accounts.actor_for(db, ADMIN),
        accounts.actor_for(db, SELLER),
        accounts.actor_for(db, OTHER_ADMIN),
    )


@dataclass
class Imported:
    job_id: str
    status: str
    summary: dict[str, object]
    results: bytes | None

    def count(self, key: str) -> int:
        value = self.summary[key]
        assert isinstance(value, int)
        return value

    @property
    def failures(self) -> dict[int, list[str]]:
        items = self.summary.get("failures", [])
        assert isinstance(items, list)
        return {f["row"]: f["errors"] for f in items}

    def result_rows(self) -> list[dict[str, str]]:
        assert self.results is not None
        return read_csv(self.results)


def run_import(
    world: World,
    actor: Actor,
    data: bytes,
    *,
    name: str = "deals.csv",
    **options: object,
) -> Imported:
    from cosell.domain.job_types import ImportOptions
    from cosell.services import jobs

    opts = ImportOptions(**options)  # type: ignore[arg-type]
    job_id = jobs.submit_import(world.db, actor, name, data, opts, world.settings)
    job = jobs.run_job(world.db, job_id, world.settings)
    results = results_file(world, job) if job.result_blob_id else None
    return Imported(job_id, job.status, job.summary.to_json() if job.summary else {}, results)


def results_file(world: World, job: JobRecord, fmt: Literal["csv", "xlsx"] | None = None) -> bytes:
    """The bytes of an import's results file, in `fmt` or by default the upload's format,
    as a download gets them."""
    from cosell.services.results_data import open_results

    _, data, _ = open_results(world.db, job.org_id, job, fmt)
    return data if isinstance(data, bytes) else b"".join(data)


def results_as(world: World, imported: Imported, fmt: Literal["csv", "xlsx"]) -> bytes:
    """An import's results file (`run_import`) in the format `fmt`."""
    from cosell.store import jobs as job_store

    with world.db.read() as conn:
        job = job_store.get_job(conn, imported.job_id)
    assert job is not None
    return results_file(world, job, fmt)


def open_world(url: str, *, queue_url: str | None = None) -> World:
    """The world of an existing database built by `make_world` (or a copy of one)."""
    db = SqlBackend(url)
    return World(
        db,
        Settings(database_url=url, queue_url=queue_url),
        accounts.actor_for(db, ADMIN),
        accounts.actor_for(db, SELLER),
        accounts.actor_for(db, OTHER_ADMIN),
    )


def copy_world(template: Path, path: Path) -> World:
    """A world on a copy of the template database (faster than building one)."""
    shutil.copy(template, path)
    return open_world(f"sqlite:///{path}")
