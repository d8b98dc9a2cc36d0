"""perf: partial indexes for the queue's pages and counts and the calls to return

Each list of the queue page is read a page at a time in (received_at, id) order (rota.paging),
with its COUNT: partial indexes on the contacts that are not closed (by owner, by the
organisation of the unassigned ones, all of them), on the closed ones by closing time, and on
the calls waiting for a call back, so neither a page nor a count reads years of history.

Revision ID: d5a0c2e7f913
Revises: a4c2e7f19b30
Create Date: 2026-12-03 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'd5a0c2e7f913'
down_revision = 'a4c2e7f19b30'
branch_labels = None
depends_on = None

OPEN = "status != 'CLOSED'"
INDEXES = [
    ('contacts', 'ix_contacts_open_owner', ['owner_id', 'received_at', 'id'], OPEN),
    ('contacts', 'ix_contacts_open_unassigned', ['organisation_id', 'received_at', 'id'],
     f"{OPEN} AND owner_id IS NULL"),
    ('contacts', 'ix_contacts_open_received', ['received_at', 'id'], OPEN),
    ('contacts', 'ix_contacts_closed', ['closed_at', 'id'], "status = 'CLOSED'"),
    # each database writes the query's boolean its own way, and a partial index must match it
    ('calls', 'ix_calls_to_return', ['started_at', 'id'],
     {'sqlite': 'callback_needed = 1 AND callback_done_at IS NULL',
      'postgresql': 'callback_needed AND callback_done_at IS NULL'}),
]


def upgrade():
    for table, name, columns, where in INDEXES:
        sqlite, postgresql = (where['sqlite'], where['postgresql']) if isinstance(where, dict) else (where, where)
        op.create_index(
            name, table, columns, unique=False,
            sqlite_where=sa.text(sqlite), postgresql_where=sa.text(postgresql),
        )


def downgrade():
    for table, name, _columns, _where in INDEXES:
        op.drop_index(name, table_name=table)
