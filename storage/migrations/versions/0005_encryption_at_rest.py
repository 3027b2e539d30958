"""Encryption at rest: free-text columns hold AES-GCM sealed values; existing rows are sealed now.

Needs the encryption key to be configured (storage.crypto.use) before it runs, as `meldcode db upgrade` does.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from storage import crypto
from storage.rekey import reseal

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute('ALTER TABLE answers ALTER COLUMN "values" TYPE TEXT USING "values"::text')
    else:
        with op.batch_alter_table("answers", schema=None) as batch_op:
            batch_op.alter_column("values", type_=sa.Text(), existing_nullable=False)
        # batch mode rebuilt the table without its trigger: reseal() puts it back.
    reseal(bind, crypto.active())


def downgrade() -> None:
    raise NotImplementedError("decrypting the database in place is deliberately not supported")
