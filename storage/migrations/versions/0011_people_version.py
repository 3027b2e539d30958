"""A version per organisation that the database itself bumps whenever a person or an absence changes.

Every request reads it with the person acting; the acting AF worked out for that version can then be reused
by the process until anyone's roles, activity or absences change, on whichever replica.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

WATCHED = ("people", "absences")


def upgrade() -> None:
    op.add_column("organisations", sa.Column("people_version", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION meldcode_people_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE organisations SET people_version = people_version + 1 WHERE id = "
            "CASE WHEN TG_OP = 'DELETE' THEN OLD.org_id ELSE NEW.org_id END; RETURN NULL; END $$"
        )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION meldcode_people_changed()"
            )
        return
    for table in WATCHED:
        for when, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER {table}_{when.lower()}_changed AFTER {when} ON {table} BEGIN "
                f"UPDATE organisations SET people_version = people_version + 1 WHERE id = {row}.org_id; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS meldcode_people_changed()")
    else:
        for table in WATCHED:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{when}_changed")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("people_version")
