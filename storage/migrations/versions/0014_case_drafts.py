"""A case is made by its first answer (moment); the form it came from carries a draft reference, so a first
answer sent twice (an ack lost, the person pressing again) finds the case it made instead of making a second.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column and a unique index: no table rebuild on SQLite (its rows are referenced by many tables).
    op.add_column("cases", sa.Column("draft_ref", sa.String(length=40), nullable=True))
    op.create_index("uq_cases_org_draft", "cases", ["org_id", "draft_ref"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_cases_org_draft", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("draft_ref")
