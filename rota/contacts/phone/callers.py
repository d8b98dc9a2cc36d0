"""Which contact a caller's call belongs to: their open contact, else a new routed one.

A counsellor finds only the caller's contacts in their contact scope (another organisation's
contact of the same number is never theirs to add to or take); the phone system answers for
the whole ring. The lookup runs under a lock on the caller's number, so concurrent calls of one
caller open one contact.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.contacts.events import Kind, record_event
from rota.contacts.models import Contact, ContactStatus
from rota.contacts.queue.service import in_scope
from rota.contacts.routing.service import route_new_contact
from rota.db import lock_for_transaction
from rota.outbox.service import MailSettings
from rota.schedule.models import Channel


def _open_contact_of(session: Session, caller: str, scope: policy.Scope) -> Contact | None:
    query = select(Contact).where(
        Contact.client_phone == caller, Contact.status != ContactStatus.CLOSED, in_scope(scope)
    )
    query = query.order_by(Contact.received_at.desc(), Contact.id.desc())
    return session.scalars(query.limit(1)).first()


def contact_for_caller(
    session: Session,
    caller: str,
    unreadable: bool,
    raw: str,
    at: datetime,
    mail: MailSettings,
    scope: policy.Scope = policy.EVERYTHING,
) -> Contact:
    """The caller's open contact within `scope`, else a new phone contact routed to whoever is
    on duty.

    A counsellor passes their `policy.contact_scope`: another organisation's contact of the same
    number is never theirs to add to or take. The phone system answers for the whole ring.
    Callers hold lock_caller, so one caller gets one contact.
    """
    existing = None if unreadable or not caller else _open_contact_of(session, caller, scope)
    if existing is not None:
        return existing
    contact = Contact(
        channel=Channel.PHONE,
        client_phone=caller,
        received_at=at,
        updated_at=at,
    )
    route_new_contact(session, contact, at, mail)
    if unreadable:
        record_event(session, contact, Kind.CALLER_UNREADABLE, at, reason_data={"unreadable": raw})
    return contact


def lock_caller(session: Session, number: str) -> None:
    """Take the caller's lock before looking for their contact: concurrent calls open one."""
    lock_for_transaction(session, f"caller:{number}")
