"""The rows an ingest batch becomes, written with one statement per table (executemany).

Ids are reserved before the rows are built, so a message names its contact, an attachment its
message and an acknowledgement its outbox row before anything is inserted. PostgreSQL takes
them from the tables' sequences. SQLite continues after the largest id, which is safe because
the ingest's transaction has already written (its claim) and so holds SQLite's one write lock
until it commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from sqlalchemy import bindparam, func, insert, null, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rota.contacts.mail.threads import Thread
from rota.contacts.models import (
    Acknowledgement,
    Attachment,
    Contact,
    ContactEvent,
    IngestedKey,
    Message,
    RawMessage,
)
from rota.outbox.models import OutboxMessage

# Insert order: a row's foreign keys point at rows inserted before it.
TABLES = (IngestedKey, Contact, OutboxMessage, Message, Attachment, ContactEvent, Acknowledgement)
UNIQUE = {IngestedKey: "key", Acknowledgement: "address"}  # a batch's rows share the day
# One executemany needs the same columns in every row: these fill what a row leaves out.
DEFAULTS = {
    Message: dict.fromkeys(
        ("in_reply_to", "body_html", "automatic", "raw_id", "outbox_id", "sent_at"), None
    )
    | {"references": "", "from_name": "", "body_text": ""},
    ContactEvent: dict.fromkeys(("to_owner_id", "organisation_id", "shift_id"), None)
    | {"reason": "", "reason_data": null()},
}


def reserve_ids(session: Session, model, count: int) -> Iterator[int]:
    """`count` ids for rows of `model` this transaction will insert (see the module's note)."""
    if count <= 0:
        return iter(())
    table = model.__table__
    if session.connection().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        query = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return iter(sorted(session.scalars(query)))
    first = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return iter(range(first, first + count))


@dataclass
class Rows:
    """What a batch writes: new rows per table, changed contacts and the raw rows' outcomes."""

    inserts: dict = field(default_factory=lambda: {model: [] for model in TABLES})
    threads: dict[int, Thread] = field(default_factory=dict)  # stored contacts to update
    raw: list[dict] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)  # new / threaded / duplicate, per message
    acknowledgements: list[int] = field(default_factory=list)  # outbox ids
    notices: list[int] = field(default_factory=list)  # outbox ids of new-contact notices
    ids: dict = field(default_factory=dict)  # model -> iterator of reserved ids

    def add(self, model, **values) -> dict:
        """Queue one new row of `model`; returns its values."""
        row = {**DEFAULTS[model], **values} if model in DEFAULTS else values
        self.inserts[model].append(row)
        return row

    def next_id(self, model) -> int:
        """The next reserved id for a row of `model`."""
        return next(self.ids[model])

    def outcome(self, raw_id: int, outcome: str, **values) -> None:
        """A raw row's outcome: the status, Message-ID, digest and contact it got."""
        self.raw.append({"raw_id": raw_id, "error": "", **values})
        self.outcomes.append(outcome)


def _update_thread(session: Session, thread: Thread, now) -> None:
    """One stored contact's update, refused (StaleDataError) when someone changed it meanwhile."""
    table = Contact.__table__
    values = {"status": thread.status, "updated_at": now, "version": thread.version + 1}
    if thread.reopened:
        values["closed_at"] = values["figures_clock"] = None  # its report figures are stale
    result = session.execute(
        update(table)
        .where(table.c.id == thread.id, table.c.version == thread.version)
        .values(**values)
    )
    if result.rowcount != 1:
        raise StaleDataError(f"contact {thread.id} was changed by someone else meanwhile")


def write_rows(session: Session, rows: Rows, now) -> None:
    """Insert the rows table by table, update the contacts they continue, note the outcomes.

    Unique keys and contacts go in order, so two workers' batches that clash wait for each
    other (and the second then fails on the key) rather than deadlock.
    """
    for model, values in rows.inserts.items():
        if model in UNIQUE:
            values = sorted(values, key=itemgetter(UNIQUE[model]))
        if values:
            session.execute(insert(model.__table__), values)
    for _id, thread in sorted(rows.threads.items()):
        _update_thread(session, thread, now)
    if rows.raw:
        table = RawMessage.__table__
        session.execute(update(table).where(table.c.id == bindparam("raw_id")), rows.raw)
