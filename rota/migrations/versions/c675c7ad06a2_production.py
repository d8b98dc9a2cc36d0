"""production: outbox claims and job leases that expire unless renewed, job slots

Rows a sender claimed name it and lapse 30 s after its last renewal (was: 15 minutes after the
claim); a job lease records when it was last renewed (readiness) and the scheduled run it took.
The outbox's status index becomes (status, next_attempt_at): what is due, in one index.

Revision ID: c675c7ad06a2
Revises: 3c5e0a9b7d21
Create Date: 2026-12-02 21:16:38.225503

"""
from alembic import op
import sqlalchemy as sa

import rota.db



revision = 'c675c7ad06a2'
down_revision = '3c5e0a9b7d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_leases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewed_at', rota.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('slot_at', rota.db.UTCDateTime(), nullable=True))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claim_expires_at', rota.db.UTCDateTime(), nullable=True))
        batch_op.drop_index('ix_outbox_status')
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.create_index('ix_outbox_status', ['status'], unique=False)
        batch_op.drop_column('claim_expires_at')
        batch_op.drop_column('claimed_by')

    with op.batch_alter_table('job_leases', schema=None) as batch_op:
        batch_op.drop_column('slot_at')
        batch_op.drop_column('renewed_at')
