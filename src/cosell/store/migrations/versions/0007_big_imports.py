"""big imports: files stored in parts, imports committed in chunks

- `blob_parts`: a stored file's bytes in pieces of at most 1 MiB, written and read one
  at a time; `blobs.parts` says how many (0: a file stored before this revision, whose
  bytes are in `blobs.data`);
- `import_chunks`: the outcome of each committed chunk of a big import, so a worker that
  dies goes on after the last committed chunk, and the results file is put together
  from all of them when the import finishes.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "blob_parts",
        sa.Column("blob_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"],
            ["blobs.id"],
            name=op.f("fk_blob_parts_blob_id_blobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blob_id", "position", name=op.f("pk_blob_parts")),
    )
    op.create_table(
        "import_chunks",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("first_row", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("results", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_import_chunks_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "position", name=op.f("pk_import_chunks")),
    )


def downgrade() -> None:
    op.drop_table("import_chunks")
    op.drop_table("blob_parts")
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.drop_column("parts")
