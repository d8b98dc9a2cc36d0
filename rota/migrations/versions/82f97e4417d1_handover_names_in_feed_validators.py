"""handover: when organisations and people last changed (feed validators cover their names)

Revision ID: 82f97e4417d1
Revises: 58e4d891d71d
Create Date: 2026-12-03 02:30:00

"""
from alembic import op
import sqlalchemy as sa

import rota.db


revision = '82f97e4417d1'
down_revision = '58e4d891d71d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', rota.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', rota.db.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
