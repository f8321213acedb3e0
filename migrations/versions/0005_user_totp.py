"""login security: TOTP second factor and browser sessions that logout really ends

- user_totp: one TOTP secret per user (encrypted), confirmed once the user typed a
  code, with the step of the last accepted code so that none is replayed;
- user_sessions: one row per login (SHA-256 of the token the session cookie carries);
  a session is live until ended_at is set at logout.

Revision ID: 0005_user_totp
Revises: 0004_composition_end_dates
Create Date: 2026-11-30 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_user_totp'
down_revision = '0004_composition_end_dates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_totp',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=512), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_step', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['ab_user.id'],
            name=op.f('fk_user_totp_user_id_ab_user'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_totp')),
        sa.UniqueConstraint('user_id', name=op.f('uq_user_totp_user_id')),
    )
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ip_address', sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['ab_user.id'],
            name=op.f('fk_user_sessions_user_id_ab_user'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')),
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
    op.drop_table('user_totp')
