"""mapping profiles: an organization's saved column mappings

- `mapping_profiles`: a column mapping (how the columns of a file from another system,
  such as a CRM's export, become ours) saved under a name, one name once per
  organization.

Revision ID: 0009_mapping_profiles
Revises: 0008_user_language
Create Date: 2027-01-10 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mapping_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_mapping_profiles_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_profiles")),
        sa.UniqueConstraint("org_id", "name_key", name=op.f("uq_mapping_profiles_org_id")),
    )
    op.create_index(
        op.f("ix_mapping_profiles_org_id"), "mapping_profiles", ["org_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mapping_profiles_org_id"), table_name="mapping_profiles")
    op.drop_table("mapping_profiles")
