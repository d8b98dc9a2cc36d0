"""privacy: read log, retention runs, client requests, anonymised contacts

read_log: who opened which contact or stored part, when.
retention_runs: each run of the retention job and how many records of each class it cleared.
client_requests: that a client's data was exported or erased (when, who, why; never whose).
contacts.anonymised_at: when a contact's personal fields were cleared (the row stays for counts).

Revision ID: 9d2f6a1c4e83
Revises: 58e4d891d71d
Create Date: 2026-12-03 02:30:40.478506

"""
from alembic import op
import sqlalchemy as sa

import rota.db


revision = '9d2f6a1c4e83'
down_revision = '58e4d891d71d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_runs_started_at'), ['started_at'], unique=False)

    op.create_table('client_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('EXPORT', 'ERASE', name='requestkind', native_enum=False, length=10), nullable=False),
    sa.Column('at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('named_by', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_client_requests_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_requests'))
    )
    with op.batch_alter_table('client_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_requests_at'), ['at'], unique=False)

    op.create_table('read_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_read_log_contact_id_contacts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_read_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_read_log'))
    )
    with op.batch_alter_table('read_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_read_log_contact_id_at', ['contact_id', 'at'], unique=False)
        batch_op.create_index('ix_read_log_user_id_at', ['user_id', 'at'], unique=False)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', rota.db.UTCDateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('read_log', schema=None) as batch_op:
        batch_op.drop_index('ix_read_log_user_id_at')
        batch_op.drop_index('ix_read_log_contact_id_at')
        batch_op.drop_index(batch_op.f('ix_read_log_at'))

    op.drop_table('read_log')
    with op.batch_alter_table('client_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_requests_at'))

    op.drop_table('client_requests')
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_runs_started_at'))

    op.drop_table('retention_runs')
