"""One living DM per case and person (moment): the chat's reference to it and a digest of what it last said.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "living_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=True),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "recipient"),
    )
    op.create_index("ix_living_messages_case_id", "living_messages", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_living_messages_case_id", table_name="living_messages")
    op.drop_table("living_messages")
