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
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("draft_ref", sa.String(length=40), nullable=True))
        batch.create_unique_constraint("uq_cases_org_draft", ["org_id", "draft_ref"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("uq_cases_org_draft", type_="unique")
        batch.drop_column("draft_ref")
