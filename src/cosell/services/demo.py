"""Demo data: an organization, its users, a catalog and a believable pipeline."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cosell.domain.actor import Actor
from cosell.domain.enums import Direction, MicrosoftStatus, Role, Status, Substatus
from cosell.domain.model import Referral, SolutionLine, TeamMember
from cosell.services import accounts
from cosell.services.clock import utcnow
from cosell.services.uow import Backend

DEMO_ORG = "Contoso Partners"
DEMO_PASSWORD = "cosell-demo-2026"
DEMO_USERS = (
    ("admin@contoso.example", "Ada Admin", Role.ADMIN),
    ("seller@contoso.example", "Sam Seller", Role.USER),
)
CATALOG = (
    ("SOL-1234-PQRS", "Contoso Data Platform"),
    ("SOL-2001-AZML", "Contoso ML Accelerator"),
    ("SOL-3100-SECR", "Contoso Secure Workplace"),
    ("SOL-4200-MIGR", "Contoso Cloud Migration"),
    ("SOL-5300-ANLT", "Contoso Analytics Suite"),
)
_CUSTOMERS = (
    ("Fabrikam Inc.", "1 Fabrikam Way", "Redmond", "WA", "98052", "US"),
    ("Northwind Traders", "12 Harbour Rd", "Seattle", "WA", "98101", "US"),
    ("Tailspin Toys", "Keizersgracht 100", "Amsterdam", None, "1015 CX", "NL"),
    ("Wingtip Toys", "Drottninggatan 5", "Stockholm", None, "111 51", "SE"),
    ("Adventure Works", "10 rue de Rivoli", "Paris", None, "75001", "FR"),
    ("Litware GmbH", "Hauptstraße 8", "Berlin", None, "10115", "DE"),
    ("Woodgrove Bank", "200 Bay St", "Toronto", "ON", "M5J 2J2", "CA"),
    ("Proseware Ltd", "5 King's Rd", "London", None, "SW3 4NB", "GB"),
)
_DEALS = (
    "Spring Deal",
    "Data Estate Modernization",
    "Copilot Rollout",
    "Security Uplift",
    "Analytics Pilot",
    "Cloud Migration Wave 2",
    "Renewal",
    "Proof of Concept",
)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    role: Role
    password: str


def make_referrals(
    rng: random.Random,
    count: int,
    *,
    team: Sequence[TeamMember],
    now: dt.datetime,
    solutions_per_deal: int | None = None,
    team_per_deal: int | None = None,
) -> list[Referral]:
    """`count` plausible referrals; pass sizes to get a fixed shape (benchmarks)."""
    out: list[Referral] = []
    for i in range(count):
        name, a1, city, state, postal, country = _CUSTOMERS[i % len(_CUSTOMERS)]
        incoming = rng.random() < 0.3
        status, substatus = _status(rng, incoming)
        help_required = rng.random() < 0.25
        n_sol = solutions_per_deal or rng.randint(1, 3)
        n_team = team_per_deal or rng.randint(1, 3)
        stage = 100 if substatus is Substatus.WON else rng.choice((10, 20, 40, 60, 80))
        members = rng.sample(list(team), min(n_team, len(team)))
        # Unanswered incoming referrals expire after 14 days: keep the New ones recent.
        age = rng.randint(0, 10) if status is Status.NEW else rng.randint(0, 300)
        created = now - dt.timedelta(days=age, minutes=rng.randint(0, 1440))
        out.append(
            Referral(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                engagement_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                direction=Direction.INCOMING if incoming else Direction.OUTGOING,
                deal_name=f"{name.split()[0]} {rng.choice(_DEALS)} {i + 1}",
                customer_name=name,
                address_1=a1,
                address_2=None,
                city=city,
                state=state,
                postal_code=postal,
                country=country,
                duns=f"{rng.randint(0, 999_999_999):09d}" if rng.random() < 0.5 else None,
                contact_first_name="Jan" if help_required else None,
                contact_last_name="Customer" if help_required else None,
                contact_phone="0612345678" if help_required else None,
                contact_email="jan.customer@example.com" if help_required else None,
                status=status,
                substatus=substatus,
                ms_status=rng.choice(list(MicrosoftStatus)) if incoming else None,
                reason=_reason(rng, substatus),
                sales_stage=stage,
                deal_value=Decimal(rng.randint(1_000, 500_000_00)).scaleb(-2),
                currency=rng.choice(("USD", "EUR", "GBP")),
                close_date=(now + dt.timedelta(days=rng.randint(-30, 365))).date(),
                crm_id=f"CRM-{i + 1:06d}",
                campaign_id=rng.choice((None, "BingSummer2026", "PartnerDay")),
                notes=rng.choice((None, "Follow up next week", "Customer asked for a demo")),
                notes_to_ms="Need help with a POC" if help_required else None,
                help_required=help_required,
                help_code=rng.randint(1, 6) if help_required else None,
                share_with_ms=rng.random() < 0.5,
                consent=True,
                solutions=tuple(
                    SolutionLine(sid, "USD", Decimal(rng.randint(1, 500)) * 10, rng.randint(1, 20))
                    for sid, _ in rng.sample(CATALOG, min(n_sol, len(CATALOG)))
                )
                if n_sol <= len(CATALOG)
                else tuple(SolutionLine(CATALOG[k % len(CATALOG)][0]) for k in range(n_sol)),
                team=tuple(members),
                created_at=created,
                updated_at=created,
            )
        )
    return out


def _status(rng: random.Random, incoming: bool) -> tuple[Status, Substatus]:
    roll = rng.random()
    if incoming and roll < 0.35:
        return Status.NEW, rng.choice((Substatus.PENDING, Substatus.RECEIVED))
    if roll < 0.75:
        return Status.ACTIVE, Substatus.ACCEPTED
    return Status.CLOSED, rng.choice((Substatus.WON, Substatus.LOST, Substatus.ERROR))


def _reason(rng: random.Random, substatus: Substatus) -> int | None:
    if substatus in (Substatus.LOST, Substatus.DECLINED):
        return rng.randint(1, 8)
    if substatus is Substatus.ERROR:
        return rng.randint(1, 9)
    return None


def install_demo(db: Backend, count: int = 200, seed: int = 2026) -> list[DemoLogin]:
    """Creates the demo organization once; returns the logins (empty if it existed)."""
    with db.reading() as uow:
        if uow.accounts.org_by_name(DEMO_ORG):
            return []
    org = accounts.create_org(db, DEMO_ORG, partner_id="1234567")
    logins = []
    users = []
    for email, name, role in DEMO_USERS:
        user, password = accounts.add_user(
            db, email, org_id=org.id, role=role, password=DEMO_PASSWORD, name=name
        )
        users.append(user)
        logins.append(DemoLogin(email, role, password))
    for sid, name in CATALOG:
        accounts.add_solution(db, sid, org_id=org.id, name=name)
    team = [
        TeamMember(u.display_name.split()[0], u.display_name.split()[-1], None, u.email)
        for u in users
    ] + [TeamMember("Bob", "Partner", "999999", "bob.partner@contoso.example")]
    rng = random.Random(seed)
    referrals = make_referrals(rng, count, team=team, now=utcnow())
    admin = users[0]
    actor = Actor(admin.id, org.id, Role.ADMIN, admin.email, admin.display_name)
    with db.writing() as uow:
        uow.referrals(actor).insert_many(referrals, admin.id)
    return logins
