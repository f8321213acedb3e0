"""charges: reference month (competência), billed once per contract

A contract's month is billed by at most one live (open or paid) charge; the partial
unique index makes generating a month twice, or a carnê over a billed month, impossible
even for two workers racing each other.

Revision ID: 0002_charge_reference_month
Revises: b0129ee074a6
Create Date: 2026-11-30 03:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_charge_reference_month'
down_revision = 'b0129ee074a6'
branch_labels = None
depends_on = None

LIVE_MONTH_WHERE = sa.text("status IN ('open', 'paid')")


def upgrade():
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_month', sa.Date(), nullable=True))
        batch_op.create_index(
            'uq_charges_contract_id_reference_month',
            ['contract_id', 'reference_month'],
            unique=True,
            sqlite_where=LIVE_MONTH_WHERE,
            postgresql_where=LIVE_MONTH_WHERE,
        )


def downgrade():
    with op.batch_alter_table('charges', schema=None) as batch_op:
        batch_op.drop_index('uq_charges_contract_id_reference_month')
        batch_op.drop_column('reference_month')
