"""The DM outbox: DMs are written in the transaction that causes them, so a crash cannot lose one.
And the meldcode variant an organisation follows (its flow id), and a hosted workspace's own settings.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import storage.crypto
import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("message", storage.crypto.EncryptedJSON("outbox.message"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", storage.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "lease_until"])
    op.create_index("ix_outbox_org_id", "outbox", ["org_id"])
    op.add_column(
        "organisations", sa.Column("flow_id", sa.String(length=40), nullable=False, server_default="meldcode")
    )
    op.add_column("organisations", sa.Column("settings_yaml", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("settings_yaml")
        batch.drop_column("flow_id")
    op.drop_index("ix_outbox_org_id", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
