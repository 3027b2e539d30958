"""The yearly evaluation (C7): anonymous counts per year that outlive purged cases, and one-time links to the
yearly report (a link with a year and no case).

The counts purged before this revision were kept per year closed and outcome only (purged_counts): they are
carried over as cases opened and routes in that year, the closest the old counts allow.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# bot.stats.ROUTES as it was at this revision (a migration does not import the application).
ROUTES = {
    "out_of_scope.professional": "out_of_scope",
    "out_of_scope.pupils": "out_of_scope",
    "closed_no_action": "closed_no_action",
    "help_closed": "help",
    "reported": "melding",
}


def upgrade() -> None:
    counts = op.create_table(
        "year_counts",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("metric", sa.String(length=20), primary_key=True),
        sa.Column("label", sa.String(length=40), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("dossier_links") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("year", sa.Integer(), nullable=True))
    old = op.get_bind().execute(sa.text("SELECT org_id, year, outcome, count FROM purged_counts")).all()
    carried: dict[tuple[int, int, str, str], int] = {}
    for org_id, year, outcome, count in old:
        for key in ((org_id, year, "cases", "opened"), (org_id, year, "route", ROUTES.get(outcome, "running"))):
            carried[key] = carried.get(key, 0) + count
    if carried:
        op.bulk_insert(
            counts,
            [{"org_id": o, "year": y, "metric": m, "label": lbl, "count": n} for (o, y, m, lbl), n in carried.items()],
        )


def downgrade() -> None:
    op.execute("DELETE FROM dossier_links WHERE case_id IS NULL")
    with op.batch_alter_table("dossier_links") as batch:
        batch.drop_column("year")
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("year_counts")
