"""The audit trail per organisation: a chain of its own (numbered entries, a head row each), the reason of a
refusal, and a check value of the audit key, so that a wrong key is told apart from a changed entry.

The entries written before stay as they are: the old global chain, verifiable to its head (audit_head), which
no longer moves. Each organisation's chain starts with a genesis entry whose prev_hash is that old head.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (not a batch copy): the append-only triggers on audit_log stay in place.
    op.add_column("audit_log", sa.Column("chain", sa.Integer(), nullable=True))
    op.add_column("audit_log", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("audit_log", sa.Column("reason", sa.String(length=40), nullable=True))
    op.create_index("ix_audit_log_chain_seq", "audit_log", ["chain", "seq"], unique=True)
    op.create_table(
        "audit_heads",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    op.create_table(
        "key_checks",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("key_checks")
    op.drop_table("audit_heads")
    op.drop_index("ix_audit_log_chain_seq", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("reason")
        batch.drop_column("seq")
        batch.drop_column("chain")
