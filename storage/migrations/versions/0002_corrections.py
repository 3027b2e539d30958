"""Corrections: a new row beside the answer it corrects (append-only, like answers).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["answers.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrections_case_id"), ["case_id"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections "
            "BEGIN SELECT RAISE(ABORT, 'corrections is append-only'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections "
            "FOR EACH ROW EXECUTE FUNCTION meldcode_append_only()"
        )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS corrections_no_update"
        + (" ON corrections" if op.get_bind().dialect.name == "postgresql" else "")
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrections_case_id"))
    op.drop_table("corrections")
