"""SQLAlchemy 2 models. The schema itself is created by the Alembic migrations.

Money is stored as integer minor units (cents): exact on SQLite and PostgreSQL alike.
Every tenant-owned table carries `org_id`, so each query can be scoped without a join.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import FromClause
from sqlalchemy.types import TypeEngine

from cosell.domain.field_spec import FieldSpec, Kind
from cosell.domain.fields import Field
from cosell.domain.model import RECORD

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: the rows of `ix_referrals_unanswered`: incoming referrals nobody has answered yet
UNANSWERED = "direction = 'Incoming' AND status = 'New'"
#: What search looks in on PostgreSQL, as `ix_referrals_search` indexes it (a query must
#: use this very expression for the planner to use the index): the columns joined by
#: U+001F, which no stored value holds, so a match never spans two columns.
SEARCH_TEXT = (
    "(deal_name || E'\\x1f' || referral_id || E'\\x1f' || customer_name || E'\\x1f' "
    "|| coalesce(notes, '') || E'\\x1f' || coalesce(crm_id, ''))"
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    partner_id: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: carried in the session cookie; raising it ends every session of the user
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: the pages' language the user chose (`i18n.LOCALES`); none: the browser's
    language: Mapped[str | None] = mapped_column(String(8))


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Solution(Base):
    __tablename__ = "solutions"
    __table_args__ = (UniqueConstraint("org_id", "solution_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    solution_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


def _sql_type(spec: FieldSpec) -> TypeEngine[Any]:
    """How a field's values are stored: text of its width, or the kind's type."""
    kind = spec.kind
    if kind is Kind.MULTILINE:
        return Text()
    if kind in _TYPES:
        return _TYPES[kind]()
    width = spec.width or spec.limit or _WIDTHS[kind]
    return String(width)


#: Kinds not stored as text; money is exact integer minor units (cents).
_TYPES: dict[Kind, Callable[[], TypeEngine[Any]]] = {
    Kind.CODE: Integer,
    Kind.SALES_STAGE: Integer,
    Kind.MONEY: BigInteger,
    Kind.DATE: Date,
    Kind.YES_NO: Boolean,
}
#: The width of text kinds whose field does not say it.
_WIDTHS = {
    Kind.COUNTRY: 2,
    Kind.DUNS: 9,
    Kind.PHONE: 40,
    Kind.EMAIL: 320,
    Kind.CURRENCY: 3,
    Kind.CHOICE: 10,
}


def _record_columns() -> list[Column[Any]]:
    """A column for each of the deal's own values (`domain.model.RECORD`), in that order."""
    columns: list[Column[Any]] = []
    for _, f in RECORD:
        if f is None:
            columns.append(Column("direction", String(10), nullable=False))
        else:
            # the Referral ID names a deal across organizations: unique
            unique = True if f is Field.REFERRAL_ID else None
            spec = f.spec
            columns.append(
                Column(spec.column_name, _sql_type(spec), nullable=spec.optional, unique=unique)
            )
    return columns


_REFERRALS = Table(
    "referrals",
    Base.metadata,
    Column("pk", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organizations.id"), nullable=False),
    *_record_columns(),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id")),
    # The Solution N / Team member N cells as export writes them, joined by U+001F:
    # a copy of referral_solutions / referral_team_members kept by every write, so an
    # export of thousands of deals reads one table.
    Column("solution_cells", Text, nullable=False, default="", server_default=""),
    Column("team_cells", Text, nullable=False, default="", server_default=""),
    Index("ix_referrals_org_direction_created", "org_id", "direction", "created_at"),
    Index("ix_referrals_org_created", "org_id", "created_at"),
    Index("ix_referrals_org_referral_id", "org_id", "referral_id"),
    Index("ix_referrals_org_crm_id", "org_id", "crm_id"),
    Index("ix_referrals_org_engagement_id", "org_id", "engagement_id"),
    Index("ix_referrals_org_deal_name", "org_id", "deal_name"),
    # The list's filters within a tab, in the default order, then the other filters
    # (a count of any mix of them reads the index alone; migration 0006).
    Index(
        "ix_referrals_org_dir_status_created",
        *("org_id", "direction", "status", "created_at", "country", "sales_stage"),
    ),
    Index(
        "ix_referrals_org_dir_country_created",
        *("org_id", "direction", "country", "created_at", "status", "sales_stage"),
    ),
    Index(
        "ix_referrals_org_dir_stage_created",
        *("org_id", "direction", "sales_stage", "created_at", "status", "country"),
    ),
    Index(
        "ix_referrals_org_dir_close",
        *("org_id", "direction", "close_date", "status", "country", "sales_stage"),
    ),
    # Search on PostgreSQL: trigrams of the searched columns (migration 0006). SQLite
    # searches the FTS5 table `referrals_fts` instead (kept by the repository; see 0006).
    Index(
        "ix_referrals_search",
        literal_column(SEARCH_TEXT).label("search_text"),
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql"),
    # Covers the pipeline chart's aggregate of a tab (value per stage and currency):
    # read from the index alone instead of fetching every deal's row.
    Index(
        "ix_referrals_org_pipeline",
        "org_id",
        "direction",
        "sales_stage",
        "currency",
        "value_cents",
    ),
    # Only the incoming referrals still New: what the periodic expiry looks for
    # across every organization (migration 0005).
    Index(
        "ix_referrals_unanswered",
        "created_at",
        postgresql_where=text(UNANSWERED),
        sqlite_where=text(UNANSWERED),
    ),
)


class ReferralRow(Base):
    """A referral: its scalar columns come from the field table (`domain.fields`), typed
    by each field's kind and width; the rest is bookkeeping and the items' cell copies."""

    __table__: ClassVar[FromClause] = _REFERRALS


class ReferralSolutionRow(Base):
    __tablename__ = "referral_solutions"
    referral_pk: Mapped[int] = mapped_column(
        ForeignKey("referrals.pk", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    solution_id: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    price_cents: Mapped[int | None] = mapped_column(BigInteger)
    quantity: Mapped[int | None] = mapped_column(Integer)


Index(
    "ix_referral_solutions_org_solution",
    ReferralSolutionRow.org_id,
    ReferralSolutionRow.solution_id,
)


class ReferralTeamMemberRow(Base):
    __tablename__ = "referral_team_members"
    referral_pk: Mapped[int] = mapped_column(
        ForeignKey("referrals.pk", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))


Index(
    "ix_referral_team_members_org_email",
    ReferralTeamMemberRow.org_id,
    ReferralTeamMemberRow.email_key,
    ReferralTeamMemberRow.referral_pk,
)


class Favorite(Base):
    __tablename__ = "favorites"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    referral_pk: Mapped[int] = mapped_column(
        ForeignKey("referrals.pk", ondelete="CASCADE"), primary_key=True
    )


class HistoryRow(Base):
    __tablename__ = "referral_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    referral_pk: Mapped[int] = mapped_column(
        ForeignKey("referrals.pk", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(20))
    job_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[str] = mapped_column(Text)
    #: the referral's version after this change
    version: Mapped[int | None] = mapped_column(Integer)
    #: the referral as it was before this change (JSON), so an import can be undone
    before: Mapped[str | None] = mapped_column(Text)


class Blob(Base):
    __tablename__ = "blobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    #: the whole file in a blob stored before migration 0007 (`parts` = 0); empty for
    #: one stored in `parts` rows of `blob_parts` (migration 0007)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    parts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class BlobPart(Base):
    """One piece of a stored file (at most `store.jobs.PART_SIZE` bytes): files are
    written and read a part at a time, so a big one never sits whole in memory."""

    __tablename__ = "blob_parts"
    blob_id: Mapped[str] = mapped_column(
        ForeignKey("blobs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_org_kind_created", "org_id", "kind", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), index=True)
    options: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(255))
    input_blob_id: Mapped[str | None] = mapped_column(ForeignKey("blobs.id"))
    result_blob_id: Mapped[str | None] = mapped_column(ForeignKey("blobs.id"))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: the job that undid this import
    undone_by: Mapped[str | None] = mapped_column(String(36))


class ImportChunk(Base):
    """A committed chunk of a big import (migration 0007): its rows' outcomes, written in
    the chunk's own transaction, so a re-run goes on after the last one and the results
    file is put together from all of them at the end. Deleted when the job finishes."""

    __tablename__ = "import_chunks"
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the index (0-based, among the file's data rows) of its first row, and how many
    first_row: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    #: counts and the failures / warnings it lists (JSON)
    summary: Mapped[str] = mapped_column(Text)
    #: every row's outcome, zlib-compressed JSON
    results: Mapped[bytes] = mapped_column(LargeBinary)


class LoginAttempt(Base):
    """Failed sign-ins, for the throttle (kept in the database so every web process sees them).

    `address` is the client's network address: lockouts are per email and address, and
    the slow-down per address, so a guesser cannot lock an account's owner out."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(320), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    address: Mapped[str] = mapped_column(String(64), index=True, server_default="")


class MappingProfile(Base):
    """A column mapping an organization saved under a name (migration 0009): how the
    columns of a file from another system become ours (`domain.mapping`)."""

    __tablename__ = "mapping_profiles"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the name as names are compared (casefolded, spaces collapsed)
    name_key: Mapped[str] = mapped_column(String(100))
    #: the mapping's JSON form
    mapping: Mapped[str] = mapped_column(Text)
    #: the user who saved it last (kept as a plain id: users are never deleted)
    saved_by: Mapped[int | None] = mapped_column(Integer)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Setting(Base):
    """Values the service generates once per database, such as the secret key."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, typed as such (for bulk statements)."""
    return cast(Table, model.__table__)


#: The Core table of each model, named once for the store's statements.
attempts_t = table_of(LoginAttempt)
blob_parts_t = table_of(BlobPart)
blobs_t = table_of(Blob)
catalog_t = table_of(Solution)
chunks_t = table_of(ImportChunk)
favorites_t = table_of(Favorite)
history_t = table_of(HistoryRow)
jobs_t = table_of(Job)
mapping_profiles_t = table_of(MappingProfile)
orgs_t = table_of(Organization)
referrals_t = table_of(ReferralRow)
settings_t = table_of(Setting)
solutions_t = table_of(ReferralSolutionRow)
team_t = table_of(ReferralTeamMemberRow)
tokens_t = table_of(ApiToken)
users_t = table_of(User)
