"""X1: a fact or observation the child told themselves ("het kind vertelt het zelf") is marked on the signal.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("signals", sa.Column("disclosure", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("disclosure")
