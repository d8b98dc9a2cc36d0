"""The read log: who opened which contact or stored part, when. Flushes, never commits."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from rota.contacts.models import Attachment, Contact
from rota.errors import NotFound
from rota.members.models import User
from rota.privacy.models import ReadEntry

PAGE = 500  # entries shown at once, newest first
ENTRY = insert(ReadEntry.__table__)  # an entry's INSERT, built once (the table's, no ORM flush)


def record_read(
    session: Session, reader: User, contact_id: int, now: datetime, attachment_id: int | None = None
) -> None:
    """Note that `reader` opened the contact (or, with `attachment_id`, one of its parts): an
    INSERT of its own, as every page view writes one (no entity to flush)."""
    entry = {"at": now, "user_id": reader.id, "contact_id": contact_id}
    session.execute(ENTRY, {**entry, "attachment_id": attachment_id})


def reads_of_contact(session: Session, contact_id: int) -> list[ReadEntry]:
    """Who opened the contact and its parts, newest first."""
    query = (
        select(ReadEntry)
        .where(ReadEntry.contact_id == contact_id)
        .options(joinedload(ReadEntry.user))
        .order_by(ReadEntry.at.desc(), ReadEntry.id.desc())
    )
    return list(session.scalars(query.limit(PAGE)))


def reads_by_person(session: Session, person_id: int) -> list[tuple[ReadEntry, str | None]]:
    """What the person opened, newest first, with each contact's reference."""
    query = (
        select(ReadEntry, Contact.reference)
        .join(Contact, Contact.id == ReadEntry.contact_id)
        .where(ReadEntry.user_id == person_id)
        .order_by(ReadEntry.at.desc(), ReadEntry.id.desc())
    )
    return [tuple(row) for row in session.execute(query.limit(PAGE))]


def part_names(session: Session, entries) -> dict[int, str]:
    """The file names of the parts named in log entries (parts purged since are missing)."""
    ids = {e.attachment_id for e in entries if e.attachment_id}
    query = select(Attachment.id, Attachment.filename).where(Attachment.id.in_(ids))
    return dict(session.execute(query).all()) if ids else {}


def get_person(session: Session, person_id: int) -> User:
    """The person whose reads are asked for, or NotFound."""
    person = session.get(User, person_id)
    if person is None:
        raise NotFound(_l("No such person."))
    return person


def get_contact(session: Session, contact_id: int) -> Contact:
    """The contact whose reads are asked for, or NotFound."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(_l("No such contact."))
    return contact
