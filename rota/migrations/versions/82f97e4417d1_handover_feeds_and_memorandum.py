"""handover: feed validators cover names; the memorandum's life cycle

organisations.updated_at, users.updated_at: when the names calendar feeds show last changed.
agreement_versions.counts_until: a later version's effective day plus the grace period.
signed_copies: the signed paper of a signature (PDF). memorandum_reminders: once per stage.
swap_requests: a shift asked to be swapped for another, or given away, and its answers.

Revision ID: 82f97e4417d1
Revises: d5a0c2e7f913
Create Date: 2026-12-03 02:30:00

"""
from alembic import op
import sqlalchemy as sa

import rota.db


revision = '82f97e4417d1'
down_revision = 'd5a0c2e7f913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('memorandum_reminders',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=60), nullable=False),
    sa.Column('sent_at', rota.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_memorandum_reminders_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('organisation_id', 'stage', name=op.f('pk_memorandum_reminders'))
    )
    op.create_table('signed_copies',
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', rota.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.id'], name=op.f('fk_signed_copies_signature_id_signatures')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_signed_copies_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('signature_id', name=op.f('pk_signed_copies'))
    )
    op.create_table('swap_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('counter_shift_id', sa.Integer(), nullable=True),
    sa.Column('from_organisation_id', sa.Integer(), nullable=False),
    sa.Column('to_organisation_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('ASKED', 'ACCEPTED', 'DONE', 'DECLINED', 'REFUSED', 'CANCELLED', name='swapstatus', native_enum=False, length=10), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', rota.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_swap_requests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_swap_requests_asked_by_id_users')),
    sa.ForeignKeyConstraint(['counter_shift_id'], ['shifts.id'], name=op.f('fk_swap_requests_counter_shift_id_shifts')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_swap_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['from_organisation_id'], ['organisations.id'], name=op.f('fk_swap_requests_from_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_swap_requests_shift_id_shifts')),
    sa.ForeignKeyConstraint(['to_organisation_id'], ['organisations.id'], name=op.f('fk_swap_requests_to_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_swap_requests'))
    )
    with op.batch_alter_table('swap_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_swap_requests_shift_id'), ['shift_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_swap_requests_to_organisation_id'), ['to_organisation_id'], unique=False)

    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counts_until', sa.Date(), nullable=True))
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', rota.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', rota.db.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.drop_column('counts_until')
    op.drop_table('swap_requests')
    op.drop_table('signed_copies')
    op.drop_table('memorandum_reminders')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
