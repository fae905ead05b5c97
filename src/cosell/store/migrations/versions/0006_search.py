"""search from an index, and list indexes that fit the page's filters

Search (a case-insensitive substring of deal name, referral ID, customer name,
notes or CRM ID) is answered from an index instead of reading every deal:

- SQLite: `referrals_fts`, an FTS5 table with the trigram tokenizer over those five
  columns, external content (`referrals`, rowid = `pk`). The repository's inserts and
  updates write it themselves, in bulk (`ReferralRepository.insert_many`/`update_many`):
  a trigger per row would make FTS5 flush its pending terms for every row (each
  trigger runs in a statement savepoint), tripling the time of an import's inserts.
  Deletes, rare and done in several places, go through a trigger. NOTE for later
  migrations: a batch migration that rebuilds `referrals` on SQLite (copy, drop,
  rename) drops the trigger with the old table; re-create it (`_create_sqlite_search`)
  and run the FTS5 'rebuild' command afterwards.
- PostgreSQL: the `pg_trgm` extension (the role running the migration needs the right
  to create it, or a database administrator creates it once beforehand) and a GIN
  trigram index on the five columns joined by U+001F (a character no value holds).

List indexes: the filters the page offers (status, country, sales stage, close date)
after `org_id` and `direction`, then `created_at` (the default sort), then the other
filters of the three, so a count of any mix of them reads the index alone. Dropped:
`ix_referrals_org_status` (replaced by the one with the direction).
`ix_referrals_org_referral_id` stays: the unique index of `referral_id` would answer
the same look-ups, but SQLite, which keeps no statistics here, then reads the whole
organization through another `org_id` index instead (0.13 s for an import's 1,000 IDs
at 100,000 deals, against 4 ms).

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-06 12:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: the covered columns, in the order of the FTS5 table
_COVERED = ("deal_name", "referral_id", "customer_name", "notes", "crm_id")
#: the text the PostgreSQL index holds (`models.SEARCH_TEXT` is the same SQL): the
#: columns joined by U+001F, a character no stored value holds (cells refuse control
#: characters), so a match never spans two columns
_PG_TEXT = (
    "(deal_name || E'\\x1f' || referral_id || E'\\x1f' || customer_name || E'\\x1f' "
    "|| coalesce(notes, '') || E'\\x1f' || coalesce(crm_id, ''))"
)

#: after the filter and the default sort, the other filters: a count of any mix of them
#: reads the index alone
_LIST_INDEXES = (
    (
        "ix_referrals_org_dir_status_created",
        ["org_id", "direction", "status", "created_at", "country", "sales_stage"],
    ),
    (
        "ix_referrals_org_dir_country_created",
        ["org_id", "direction", "country", "created_at", "status", "sales_stage"],
    ),
    (
        "ix_referrals_org_dir_stage_created",
        ["org_id", "direction", "sales_stage", "created_at", "status", "country"],
    ),
    (
        "ix_referrals_org_dir_close",
        ["org_id", "direction", "close_date", "status", "country", "sales_stage"],
    ),
)


def _create_sqlite_search() -> None:
    cols = ", ".join(_COVERED)
    old = ", ".join(f"old.{c}" for c in _COVERED)
    op.execute(
        f"CREATE VIRTUAL TABLE referrals_fts USING fts5({cols}, content='referrals', "
        "content_rowid='pk', tokenize='trigram', columnsize=0)"
    )
    op.execute(
        "CREATE TRIGGER referrals_fts_delete AFTER DELETE ON referrals BEGIN "
        f"INSERT INTO referrals_fts (referrals_fts, rowid, {cols}) "
        f"VALUES ('delete', old.pk, {old}); END"
    )
    op.execute("INSERT INTO referrals_fts (referrals_fts) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_search()
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX ix_referrals_search ON referrals USING gin ({_PG_TEXT} gin_trgm_ops)"
        )
        # statistics of the indexed text, so the planner knows a common text from a rare
        # one at once (autovacuum would gather them only after many changes)
        op.execute("ANALYZE referrals")
    for name, columns in _LIST_INDEXES:
        op.create_index(name, "referrals", columns, unique=False)
    op.drop_index("ix_referrals_org_status", table_name="referrals")


def downgrade() -> None:
    op.create_index("ix_referrals_org_status", "referrals", ["org_id", "status", "substatus"])
    for name, _ in reversed(_LIST_INDEXES):
        op.drop_index(name, table_name="referrals")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS referrals_fts_delete")
        op.execute("DROP TABLE IF EXISTS referrals_fts")
    else:
        op.drop_index("ix_referrals_search", table_name="referrals")
        # the extension stays: other objects may use it, and dropping it needs the
        # same right as creating it
