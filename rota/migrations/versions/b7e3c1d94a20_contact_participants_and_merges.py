"""contact participants, mentions and merges

A reference tag alone no longer joins a contact: mail from an address that is not a participant
opens a contact of its own that mentions the tagged one (contacts.mentions_id), and a counsellor
can merge it (contacts.merged_into_id). contact_participants holds the addresses a counsellor
chose to answer besides the client's own.

Revision ID: b7e3c1d94a20
Revises: c675c7ad06a2
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import rota.db


revision = 'b7e3c1d94a20'
down_revision = 'c675c7ad06a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contact_participants',
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('added_at', rota.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['added_by_id'], ['users.id'], name=op.f('fk_contact_participants_added_by_id_users')
        ),
        sa.ForeignKeyConstraint(
            ['contact_id'], ['contacts.id'], name=op.f('fk_contact_participants_contact_id_contacts')
        ),
        sa.PrimaryKeyConstraint('contact_id', 'address', name=op.f('pk_contact_participants')),
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mentions_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_mentions_id'), ['mentions_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_contacts_merged_into_id'), ['merged_into_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_contacts_mentions_id_contacts'), 'contacts', ['mentions_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_contacts_merged_into_id_contacts'), 'contacts', ['merged_into_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contacts_merged_into_id_contacts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contacts_mentions_id_contacts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contacts_merged_into_id'))
        batch_op.drop_index(batch_op.f('ix_contacts_mentions_id'))
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('mentions_id')
    op.drop_table('contact_participants')
