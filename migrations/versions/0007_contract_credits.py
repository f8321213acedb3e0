"""contract credits: credit owed back to a customer, deducted from the next charges

- contract_credits: one row per movement of a contract's credit. Positive: credit given
  (a downgrade's difference no open charge could absorb, or credit handed back by a
  cancelled charge); negative: credit used by a monthly charge (charge_id). The balance
  is the sum of the rows.

Revision ID: 0007_contract_credits
Revises: 0006_search_indexes
Create Date: 2026-11-30 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_contract_credits'
down_revision = '0006_search_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contract_credits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('charge_id', sa.Integer(), nullable=True),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount <> 0', name='ck_contract_credits_amount_not_zero'),
        sa.ForeignKeyConstraint(
            ['charge_id'], ['charges.id'], name=op.f('fk_contract_credits_charge_id_charges')
        ),
        sa.ForeignKeyConstraint(
            ['contract_id'], ['contracts.id'],
            name=op.f('fk_contract_credits_contract_id_contracts'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_credits')),
    )
    with op.batch_alter_table('contract_credits', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_contract_credits_charge_id'), ['charge_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_contract_credits_contract_id'), ['contract_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('contract_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_credits_contract_id'))
        batch_op.drop_index(batch_op.f('ix_contract_credits_charge_id'))
    op.drop_table('contract_credits')
