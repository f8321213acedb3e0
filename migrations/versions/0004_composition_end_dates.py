"""TV packages and TV points keep an end date instead of being deleted

A change of holder that leaves the plan's composition behind ends these items on the
change date; they stay readable in the old holder's history.

Revision ID: 0004_composition_end_dates
Revises: 0003_onu_provisioning
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_composition_end_dates"
down_revision = "0003_onu_provisioning"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("subscription_tv_packages") as batch:
        batch.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
    with op.batch_alter_table("tv_points") as batch:
        batch.add_column(sa.Column("ended_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("tv_points") as batch:
        batch.drop_column("ended_on")
    with op.batch_alter_table("subscription_tv_packages") as batch:
        batch.drop_column("ended_on")
