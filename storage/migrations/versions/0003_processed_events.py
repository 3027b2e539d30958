"""Processed events (Slack event ids handled once) and explicit hand-overs of a consultation to a deputy.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_consultations_handed_to_id_people", "people", ["handed_to_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_consultations_handed_to_id_people", type_="foreignkey")
        batch_op.drop_column("handed_to_id")
    op.drop_table("processed_events")
