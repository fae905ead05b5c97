"""the user's language: the pages' language a user chose (en, nl, sv, fr), or none

A user without a choice reads the pages in their browser's language (Accept-Language),
else in English.

Revision ID: 0008_user_language
Revises: 0007
Create Date: 2027-01-14 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
