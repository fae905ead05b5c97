"""what the spreadsheet round trip needs: duplicate and engagement look-ups, undo

- indexes to find a deal by Engagement ID and by deal name (duplicate detection);
- each history entry keeps the version it produced and the referral as it was
  before (`before`, JSON), so an import can be undone;
- a job records the job that undid it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referrals_org_engagement_id", ["org_id", "engagement_id"], unique=False
        )
        batch_op.create_index("ix_referrals_org_deal_name", ["org_id", "deal_name"], unique=False)
    with op.batch_alter_table("referral_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("before", sa.Text(), nullable=True))
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undone_by", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("undone_by")
    with op.batch_alter_table("referral_history", schema=None) as batch_op:
        batch_op.drop_column("before")
        batch_op.drop_column("version")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_org_deal_name")
        batch_op.drop_index("ix_referrals_org_engagement_id")
