"""reports: contact facts, fact lists, client feedback

fact_options holds the ring's lists (topics, municipalities, client groups); contact_facts what
a counsellor recorded about a contact (each optional, outcome and referral included);
feedback_requests the one feedback mail of a closed contact (hashed link secret) and the answer.

Revision ID: a4d2f6c81e35
Revises: 82f97e4417d1
Create Date: 2026-12-03 02:44:37.945234

"""
from alembic import op
import sqlalchemy as sa

import rota.db



revision = 'a4d2f6c81e35'
down_revision = '82f97e4417d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fact_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('TOPIC', 'MUNICIPALITY', 'CLIENT_GROUP', name='factkind', native_enum=False, length=20), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', rota.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_options')),
    sa.UniqueConstraint('kind', 'label', name=op.f('uq_fact_options_kind_label'))
    )
    op.create_table('contact_facts',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('client_group_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('ANSWERED', 'REFERRED_MEMBER', 'REFERRED_ELSEWHERE', name='contactoutcome', native_enum=False, length=20), nullable=True),
    sa.Column('referred_organisation_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', rota.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_group_id'], ['fact_options.id'], name=op.f('fk_contact_facts_client_group_id_fact_options')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_facts_contact_id_contacts')),
    sa.ForeignKeyConstraint(['municipality_id'], ['fact_options.id'], name=op.f('fk_contact_facts_municipality_id_fact_options')),
    sa.ForeignKeyConstraint(['referred_organisation_id'], ['organisations.id'], name=op.f('fk_contact_facts_referred_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['topic_id'], ['fact_options.id'], name=op.f('fk_contact_facts_topic_id_fact_options')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_contact_facts_updated_by_id_users')),
    sa.PrimaryKeyConstraint('contact_id', name=op.f('pk_contact_facts'))
    )
    op.create_table('feedback_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('sent_at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', rota.db.UTCDateTime(), nullable=False),
    sa.Column('answered_at', rota.db.UTCDateTime(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_feedback_requests_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_requests')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_feedback_requests_contact_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feedback_requests_token_hash'))
    )


def downgrade():
    op.drop_table('feedback_requests')
    op.drop_table('contact_facts')
    op.drop_table('fact_options')
