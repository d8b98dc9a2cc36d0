"""contactpage: saved replies (canned answers per language, ring-wide or one organisation's)

Revision ID: 2f400d7e9626
Revises: a4d2f6c81e35
Create Date: 2026-12-03 03:05:00

"""
from alembic import op
import sqlalchemy as sa

import rota.db


revision = '2f400d7e9626'
down_revision = 'a4d2f6c81e35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_at', rota.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['organisation_id'],
            ['organisations.id'],
            name=op.f('fk_saved_replies_organisation_id_organisations'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_replies')),
    )
    with op.batch_alter_table('saved_replies', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_saved_replies_organisation_id'), ['organisation_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('saved_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_replies_organisation_id'))
    op.drop_table('saved_replies')
