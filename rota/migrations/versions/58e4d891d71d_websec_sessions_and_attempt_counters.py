"""websec: sign-in sessions and attempt counters

login_sessions: one row per signed-in browser (a hash of its cookie secret), so that sign-out,
a password change and the idle and absolute time limits end sessions on the server.
attempt_counters: sign-in and reset-mail attempts per account and client address, shared by
every web worker.

Revision ID: 58e4d891d71d
Revises: b7e3c1d94a20
Create Date: 2026-12-02 21:40:12.666250

"""
from alembic import op
import sqlalchemy as sa

import rota.db


revision = '58e4d891d71d'
down_revision = 'b7e3c1d94a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attempt_counters',
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', rota.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_attempt_counters'))
    )
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', rota.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_sessions_key_hash'))
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))

    op.drop_table('login_sessions')
    op.drop_table('attempt_counters')
