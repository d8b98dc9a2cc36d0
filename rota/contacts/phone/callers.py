"""Which contact a caller's call belongs to: their open contact, else a new routed one.

A counsellor finds only the caller's contacts they may see (another organisation's contact of
the same number is never theirs to add to or take); the telephony side answers for the whole
ring. The lookup runs under a lock on the caller's number, so concurrent calls of one caller
open one contact.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.contacts.models import Contact, ContactStatus
from rota.contacts.queue.service import visible_to
from rota.contacts.routing.service import record_event, route_new_contact
from rota.db import lock_for_transaction
from rota.members.models import User
from rota.schedule.models import Channel

UNREADABLE = _l("The caller's number could not be read; it is kept as given: %(raw)s")


def _open_contact_of(session: Session, caller: str, viewer: User | None) -> Contact | None:
    query = select(Contact).where(
        Contact.client_phone == caller, Contact.status != ContactStatus.CLOSED
    )
    if viewer is not None:
        query = query.where(visible_to(viewer))
    query = query.order_by(Contact.received_at.desc(), Contact.id.desc())
    return session.scalars(query.limit(1)).first()


def contact_for_caller(
    session: Session,
    caller: str,
    unreadable: bool,
    raw: str,
    at: datetime,
    viewer: User | None = None,
) -> Contact:
    """The caller's open contact, else a new phone contact routed to whoever is on duty.

    A counsellor (`viewer`) finds only contacts they may see: another organisation's contact
    of the same number is never theirs to add to or take. The telephony side (no viewer)
    answers for the whole ring. Callers hold lock_caller, so one caller gets one contact.
    """
    existing = None if unreadable or not caller else _open_contact_of(session, caller, viewer)
    if existing is not None:
        return existing
    contact = Contact(
        channel=Channel.PHONE,
        client_phone=caller,
        subject=str(_l("Call from %(caller)s", caller=caller or _l("a withheld number"))),
        received_at=at,
        updated_at=at,
    )
    route_new_contact(session, contact, at)
    if unreadable:
        record_event(
            session, contact, "caller_unreadable", at, reason=str(UNREADABLE % {"raw": raw})
        )
    return contact


def lock_caller(session: Session, number: str) -> None:
    """Take the caller's lock before looking for their contact: concurrent calls open one."""
    lock_for_transaction(session, f"caller:{number}")
