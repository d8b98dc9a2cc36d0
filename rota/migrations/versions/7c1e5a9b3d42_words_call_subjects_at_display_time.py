"""words: a phone contact keeps no stored "Call from …" subject; pages write it in the reader's
language (rota.templating.contact_subject)

Revision ID: 7c1e5a9b3d42
Revises: 2f400d7e9626
Create Date: 2026-12-03 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e5a9b3d42'
down_revision = '2f400d7e9626'
branch_labels = None
depends_on = None

# What the phone code stored, in each language it could write: "Call from <caller>", with
# "a withheld number" when there was none. A subject people typed is left as it is.
WRITTEN = (
    ("Call from ", "a withheld number"),
    ("Puhelu: ", "salainen numero"),
    ("Samtal från ", "ett dolt nummer"),
)


def upgrade():
    contacts = sa.table(
        'contacts',
        sa.column('channel', sa.String),
        sa.column('subject', sa.String),
        sa.column('client_phone', sa.String),
    )
    written = [
        sa.case(
            (contacts.c.client_phone == '', sa.literal(prefix + withheld)),
            else_=sa.literal(prefix) + contacts.c.client_phone,
        )
        for prefix, withheld in WRITTEN
    ]
    op.execute(
        contacts.update()
        .where(contacts.c.channel == 'PHONE', sa.or_(*(contacts.c.subject == w for w in written)))
        .values(subject='')
    )


def downgrade():
    pass  # the pages write the subject; nothing to put back
