"""ONU provisioning: ZTE profiles on OLTs, unique service-ports, one live job per ONU

- olts: tcont_profile, vlan_profile, ip_profile (names ZTE's CLI refers to);
- onus: pppoe_password (encrypted; the job reads it, RQ never carries it) and a unique
  (olt_id, service_port_id), so two concurrent links can never get the same index;
- onu_provisionings: output (the device's answers, secrets masked) and a partial unique
  index allowing one queued/running job per ONU.

Revision ID: 0003_onu_provisioning
Revises: 0002_charge_reference_month
Create Date: 2026-11-30 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_onu_provisioning'
down_revision = '0002_charge_reference_month'
branch_labels = None
depends_on = None

ACTIVE_JOB_WHERE = sa.text("status IN ('queued', 'running')")


def upgrade():
    with op.batch_alter_table('olts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tcont_profile', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('vlan_profile', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('ip_profile', sa.String(length=32), nullable=True))

    with op.batch_alter_table('onus', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pppoe_password', sa.String(length=512), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_onus_olt_id_service_port_id'), ['olt_id', 'service_port_id']
        )

    with op.batch_alter_table('onu_provisionings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('output', sa.Text(), nullable=True))
        batch_op.create_index(
            'uq_onu_provisionings_active_onu_id',
            ['onu_id'],
            unique=True,
            sqlite_where=ACTIVE_JOB_WHERE,
            postgresql_where=ACTIVE_JOB_WHERE,
        )


def downgrade():
    with op.batch_alter_table('onu_provisionings', schema=None) as batch_op:
        batch_op.drop_index('uq_onu_provisionings_active_onu_id')
        batch_op.drop_column('output')

    with op.batch_alter_table('onus', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_onus_olt_id_service_port_id'), type_='unique')
        batch_op.drop_column('pppoe_password')

    with op.batch_alter_table('olts', schema=None) as batch_op:
        batch_op.drop_column('ip_profile')
        batch_op.drop_column('vlan_profile')
        batch_op.drop_column('tcont_profile')
