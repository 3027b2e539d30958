"""Reminder delivery: attempts, a claim lease, when it was sent, and how it was marked done.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("lease_until", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("done_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("done_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_reminders_done_by_id_people", "people", ["done_by_id"], ["id"])
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.alter_column("attempts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reminders_done_by_id_people", type_="foreignkey")
        for column in ("done_by_id", "done_note", "last_error", "sent_at", "lease_until", "attempts"):
            batch_op.drop_column(column)
