"""Who a contact's conversation is with: replies go to its participants, and nobody else.

The client's address is always a participant; a counsellor may add an address that wrote in
the thread (a colleague the client copied in, the client's other address), and only such an
address. A message from an address not seen before in the thread is marked on the page, so a
stranger who found the thread is noticed, never silently answered.
"""

from datetime import datetime
from email.utils import getaddresses

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from rota.contacts.events import Kind, record_event
from rota.contacts.models import Contact, Message, MessageDirection, Participant
from rota.errors import DomainError
from rota.members.models import User

NOT_IN_THREAD = _l(
    "A reply goes only to the contact's participants and to addresses that wrote in this "
    "conversation. Choose from the addresses listed."
)


# the addresses counsellors added to a contact (the parameter "contact_id"), in order
ADDED = (
    select(Participant.address)
    .where(Participant.contact_id == bindparam("contact_id"))
    .order_by(Participant.added_at, Participant.address)
)


def participants(session: Session, contact: Contact) -> list[str]:
    """The addresses a reply goes to: the client's, then those counsellors added, in order."""
    added = session.scalars(ADDED, {"contact_id": contact.id})
    return list(dict.fromkeys(a.lower() for a in [contact.client_email, *added] if a))


def _recipients(message: Message) -> set[str]:
    return {address.lower() for _name, address in getaddresses([message.to_addrs]) if address}


def new_in_thread(contact: Contact, messages: list[Message]) -> set[int]:
    """The incoming messages whose sender had not been seen in the thread before them."""
    seen, marked = {contact.client_email.lower()} - {""}, set()
    for message in messages:
        if message.direction == MessageDirection.OUT:
            seen |= _recipients(message)
        elif message.direction == MessageDirection.IN and message.from_addr:
            if message.from_addr.lower() not in seen:
                marked.add(message.id)
            seen.add(message.from_addr.lower())
    return marked


def others_in_thread(messages: list[Message], current: list[str]) -> list[str]:
    """Addresses that wrote in the thread but are not participants: offered, never assumed."""
    senders = (m.from_addr.lower() for m in messages if m.direction == MessageDirection.IN)
    return [a for a in dict.fromkeys(senders) if a and a not in current]


def add_participants(
    session: Session, contact: Contact, addresses, actor: User, now: datetime
) -> list[str]:
    """Make addresses that wrote in the thread participants (DomainError for any other)."""
    offered = others_in_thread(list(contact.messages), participants(session, contact))
    chosen = list(dict.fromkeys(a.strip().lower() for a in addresses if a.strip()))
    if any(address not in offered for address in chosen):
        raise DomainError(NOT_IN_THREAD, "also_to")
    for address in chosen:
        session.add(
            Participant(contact_id=contact.id, address=address, added_by_id=actor.id, added_at=now)
        )
        record_event(
            session, contact, Kind.PARTICIPANT_ADDED, now, actor_id=actor.id, reason=address
        )
    return chosen
