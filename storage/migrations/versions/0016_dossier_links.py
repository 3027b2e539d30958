"""One-time links to a case's dossier (dossier): the hash of each token, for whom, until when, used or not.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("fmt", sa.String(length=8), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_dossier_links_org_id", "dossier_links", ["org_id"])
    op.create_index("ix_dossier_links_case_id", "dossier_links", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_links_case_id", table_name="dossier_links")
    op.drop_index("ix_dossier_links_org_id", table_name="dossier_links")
    op.drop_table("dossier_links")
