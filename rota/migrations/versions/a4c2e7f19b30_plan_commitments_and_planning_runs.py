"""plan: what a signature staffs, planning runs

signatures.languages / channels: the languages and channels the organisation staffs (empty:
its active people's languages, every channel). planning_runs: each generation or applied
re-plan with a fingerprint of the signatures it planned with, so that `generate` re-plans for
the signatures recorded, amended or withdrawn since the last run.

Revision ID: a4c2e7f19b30
Revises: 9d2f6a1c4e83
Create Date: 2026-12-03 02:40:00

"""
from alembic import op
import sqlalchemy as sa

import rota.db


revision = 'a4c2e7f19b30'
down_revision = '9d2f6a1c4e83'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('planning_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('first', sa.Date(), nullable=False),
    sa.Column('last', sa.Date(), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('signatures', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_planning_runs_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_runs'))
    )
    with op.batch_alter_table('planning_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_runs_at'), ['at'], unique=False)

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('channels', sa.String(length=40), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('channels')
        batch_op.drop_column('languages')

    with op.batch_alter_table('planning_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planning_runs_at'))

    op.drop_table('planning_runs')
