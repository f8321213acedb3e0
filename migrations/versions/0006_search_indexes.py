"""search and list indexes for large ISPs

- pg_trgm GIN indexes (PostgreSQL only; SQLite has none and a no-op here) on the
  columns staff search by fragment: customers.name and .document, onus.serial and
  .pppoe_login, radius_logins.username; and a varchar_pattern_ops btree on
  customers.document for CPF/CNPJ prefixes (PostgreSQL only: its collation keeps the
  plain index from serving LIKE 'prefix%');
- the customer, charge and audit lists' orders as btree indexes including the id FAB
  adds as a tie-breaker: customers (name, id) replaces (name), audit_logs (at, id)
  replaces (at), charges gains (due_on, id).

Revision ID: 0006_search_indexes
Revises: 0005_user_totp
Create Date: 2026-11-30 07:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_search_indexes'
down_revision = '0005_user_totp'
branch_labels = None
depends_on = None

TRIGRAM = [
    ('customers', 'name'),
    ('customers', 'document'),
    ('onus', 'serial'),
    ('onus', 'pppoe_login'),
    ('radius_logins', 'username'),
]


def upgrade():
    op.drop_index('ix_customers_name', table_name='customers')
    op.create_index('ix_customers_name_id', 'customers', ['name', 'id'])
    op.drop_index('ix_audit_logs_at', table_name='audit_logs')
    op.create_index('ix_audit_logs_at_id', 'audit_logs', ['at', 'id'])
    op.create_index('ix_charges_due_on_id', 'charges', ['due_on', 'id'])
    if op.get_bind().dialect.name != 'postgresql':
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for table, column in TRIGRAM:
        op.create_index(
            f'ix_{table}_{column}_trgm', table, [column],
            postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'},
        )
    op.create_index(
        'ix_customers_document_prefix', 'customers', ['document'],
        postgresql_ops={'document': 'varchar_pattern_ops'},
    )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_customers_document_prefix', table_name='customers')
        for table, column in reversed(TRIGRAM):
            op.drop_index(f'ix_{table}_{column}_trgm', table_name=table)
        # The extension stays: other schemas in the database may use it.
    op.drop_index('ix_charges_due_on_id', table_name='charges')
    op.drop_index('ix_audit_logs_at_id', table_name='audit_logs')
    op.create_index('ix_audit_logs_at', 'audit_logs', ['at'])
    op.drop_index('ix_customers_name_id', table_name='customers')
    op.create_index('ix_customers_name', 'customers', ['name'])
