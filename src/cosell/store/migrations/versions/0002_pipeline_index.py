"""a covering index for the pipeline chart of a tab

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:00:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referrals_org_pipeline",
            ["org_id", "direction", "sales_stage", "currency", "value_cents"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_org_pipeline")
