"""a partial index of the incoming referrals still New, for their expiry

The periodic expiry looks, across every organization, for incoming referrals
still New after `expire_after_days`. Only those rows are in this index, so the
lookup reads a handful of entries instead of every referral.

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-05 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UNANSWERED = sa.text("direction = 'Incoming' AND status = 'New'")


def upgrade() -> None:
    op.create_index(
        "ix_referrals_unanswered",
        "referrals",
        ["created_at"],
        unique=False,
        postgresql_where=UNANSWERED,
        sqlite_where=UNANSWERED,
    )


def downgrade() -> None:
    op.drop_index("ix_referrals_unanswered", table_name="referrals")
