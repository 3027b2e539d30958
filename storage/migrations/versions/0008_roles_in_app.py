"""Roles kept in the app (C5): people managed by admins, absences recorded in Slack, a language per person,
and the anonymous close-of-case feedback (C7).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not a batch copy): SQLite adds these in place, and foreign keys stay intact.
    # Set once an admin changed this person's roles in the app: the config file no longer overwrites them.
    op.add_column("people", sa.Column("managed_here", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("people", sa.Column("language", sa.String(length=5), nullable=True))
    op.add_column("absences", sa.Column("source", sa.String(length=10), nullable=False, server_default="config"))
    op.add_column("absences", sa.Column("created_by_id", sa.Integer(), nullable=True))
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_feedback_org_id", "feedback", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_org_id", table_name="feedback")
    op.drop_table("feedback")
    with op.batch_alter_table("absences") as batch:
        batch.drop_column("created_by_id")
        batch.drop_column("source")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("language")
        batch.drop_column("managed_here")
