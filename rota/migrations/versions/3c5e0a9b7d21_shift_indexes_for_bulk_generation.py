"""shift indexes for bulk generation

Generated shifts have no counsellor: the counsellor index becomes partial (non-null only), so
writing the rota in bulk does not touch it. Every query of shifts is bounded in time and found
through starts_at (Shift.on_local_days, Shift.not_over), so local_day, ends_at and
organisation_id need no index of their own.

Revision ID: 3c5e0a9b7d21
Revises: f1d79479d394
Create Date: 2026-11-23 19:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '3c5e0a9b7d21'
down_revision = 'f1d79479d394'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shifts_local_day'))
        batch_op.drop_index(batch_op.f('ix_shifts_ends_at'))
        batch_op.drop_index(batch_op.f('ix_shifts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_shifts_counsellor_id'))
        batch_op.create_index(
            batch_op.f('ix_shifts_counsellor_id'), ['counsellor_id'], unique=False,
            sqlite_where=sa.text('counsellor_id IS NOT NULL'),
            postgresql_where=sa.text('counsellor_id IS NOT NULL'),
        )


def downgrade():
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shifts_counsellor_id'))
        batch_op.create_index(batch_op.f('ix_shifts_counsellor_id'), ['counsellor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shifts_local_day'), ['local_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_shifts_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_shifts_organisation_id'), ['organisation_id'], unique=False
        )
