"""Many workspaces: Slack installations and OAuth states (slack_sdk's tables), and uninstalled organisations.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _tables() -> list[sa.Table]:
    # The table shapes slack_sdk reads and writes, created here so that migrations stay the one source.
    metadata = sa.MetaData()
    return [
        SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states"),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    for table in _tables():
        table.create(bind)
    op.add_column("organisations", sa.Column("uninstalled_at", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("uninstalled_at")
    bind = op.get_bind()
    for table in reversed(_tables()):
        table.drop(bind)
