"""reports: each contact's service-report figures stored on it (rota.reports.stored)

The local hour of the week and the week of its arrival, whether it came in service hours, and
its minutes to the first response and to closing in service and in wall time, with the
fingerprint of the service hours they were worked out with. Every contact starts with none
(stale): the service report works out its period's, the report_figures job the rest.

Revision ID: 9e4b2d7c5a18
Revises: 7c1e5a9b3d42
Create Date: 2026-12-03 08:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9e4b2d7c5a18'
down_revision = '7c1e5a9b3d42'
branch_labels = None
depends_on = None

COLUMNS = [
    ('figures_clock', sa.BigInteger()),
    ('figures_hour', sa.SmallInteger()),
    ('figures_week', sa.Integer()),
    ('figures_inside', sa.SmallInteger()),
    ('figures_response', sa.Float()),
    ('figures_close', sa.Float()),
    ('figures_response_wall', sa.Float()),
    ('figures_close_wall', sa.Float()),
]


def upgrade():
    with op.batch_alter_table('contacts') as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.create_index('ix_contacts_figures_clock', ['figures_clock'], unique=False)


def downgrade():
    with op.batch_alter_table('contacts') as batch:
        batch.drop_index('ix_contacts_figures_clock')
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
