"""The contact page: the contact, read on every request with the viewer's right to see it, and
its record (thread, calls, history, participants, related contacts) as plain rows, which the
caller may keep (a worker's hot answers, rota.hot.THREADS) until a table it reads is written."""

import functools
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.contacts.models import Attachment, Call, Contact, ContactEvent, Message
from rota.contacts.queue.participants import new_in_thread, others_in_thread, participants
from rota.contacts.queue.service import THIS_CONTACT, fresh, in_scope, reaches
from rota.members.models import Organisation, User
from rota.outbox.models import OutboxMessage

# What the contact page reads of a thread: a row a message and stored part (the message's
# columns, then its part's, None for a message without parts), plain rows read in one statement,
# the parts without their bytes; built once, for any contact (THIS_CONTACT).
THREAD = (
    select(
        Message.id,
        Message.direction,
        Message.from_addr,
        Message.from_name,
        Message.to_addrs,  # who an outgoing message went to: the thread's new senders
        Message.subject,
        Message.body_text,
        Message.body_html,
        Message.automatic,
        Message.author_id,
        Message.outbox_id,
        Message.sent_at,
        Message.created_at,
        Attachment.id.label("part_id"),
        Attachment.filename,
        Attachment.content_type,
        Attachment.content_id,
        Attachment.size,
    )
    .outerjoin(Attachment, Attachment.message_id == Message.id)
    .where(Message.contact_id == THIS_CONTACT)
    .order_by(Message.created_at, Message.id, Attachment.id)
)
# a reply's state in the outbox (not the stored message)
DELIVERY = select(
    OutboxMessage.id, OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.last_error
)


def _of_this_contact(model, columns: str, *order):
    """The select of a table's `columns` (named, space-separated) of THIS_CONTACT's rows, as
    plain rows in `order`."""
    chosen = [getattr(model, name) for name in columns.split()]
    return select(*chosen).where(model.contact_id == THIS_CONTACT).order_by(*order)


# the contact's calls as its page shows them, oldest first
CALLS = _of_this_contact(
    Call,
    "id caller caller_unreadable started_at outcome duration_seconds summary callback_needed"
    " callback_done_at",
    Call.started_at,
    Call.id,
)
# the contact's history, oldest first (what a history entry shows)
HISTORY = _of_this_contact(
    ContactEvent,
    "id at kind actor_id to_owner_id reason reason_data",
    ContactEvent.at,
    ContactEvent.id,
)


@functools.lru_cache(maxsize=2048)
def _mentioning(scope: policy.Scope):
    """The select of the contacts that mention THIS_CONTACT (their links) that the scope
    reaches, oldest first, built once a scope."""
    return (
        select(Contact.id, Contact.reference)
        .where(Contact.mentions_id == THIS_CONTACT, in_scope(scope))
        .order_by(Contact.received_at, Contact.id)
    )


class About(NamedTuple):
    """What a contact's record depends on of the contact itself, as the request read it: part
    of the record's key, so that a record never answers for another state of the contact (one
    changed between reading the contact and reading its record)."""

    id: int
    client_email: str
    subject: str
    mentions_id: int | None
    merged_into_id: int | None


@dataclass
class Record:
    """What the contact page shows of a contact besides the contact itself, as plain values: its
    thread (rows of THREAD, one a message, and its parts by message id), the outbox state of
    every reply (rows of DELIVERY), calls (rows of CALLS), history (rows of HISTORY) and the
    names of the people in them. Shared by the requests that keep it: read, never change it;
    `html` holds what the page writes of it (rota.templating.kept_with)."""

    about: About
    messages: list
    parts: dict
    outbox: dict
    calls: list
    events: list
    people: dict  # id -> name
    participants: list[str]  # who a reply goes to
    others: list[str]  # wrote in the thread, not participants
    new_senders: set[int]  # messages from an address not seen
    related: dict  # mentions / merged_into -> (id, reference, visible)
    mentioned_by: list  # visible contacts that mention this one
    html: dict = field(default_factory=dict)


@dataclass
class ContactPage:
    """A contact the viewer may see (the entity: its form and actions) and its record."""

    contact: Contact
    record: Record


def _related(session: Session, scope: policy.Scope, about: About) -> dict:
    """The contact this one mentions or was merged into: its reference, and if the scope reaches it."""
    related = {}
    for key in ("mentions", "merged_into"):
        other_id = getattr(about, f"{key}_id")
        if other_id is not None:
            reference = session.scalar(select(Contact.reference).where(Contact.id == other_id))
            related[key] = (other_id, reference, reaches(session, scope, other_id))
    return related


def _thread(session: Session, contact_id: int) -> tuple[list, dict]:
    """A contact's messages (rows of THREAD, one a message) and their parts by message id."""
    messages, parts = {}, {}
    for row in session.execute(THREAD, {"contact_id": contact_id}):
        messages.setdefault(row.id, row)
        if row.part_id is not None:
            parts.setdefault(row.id, []).append(row)
    return list(messages.values()), parts


def _names(session: Session, events: list, messages: list) -> dict:
    """The names of the people in the history and the thread, by id."""
    ids = {e.actor_id for e in events} | {e.to_owner_id for e in events}
    ids |= {m.author_id for m in messages}
    ids.discard(None)
    query = select(User.id, User.name).where(User.id.in_(ids))
    return dict(session.execute(query).all()) if ids else {}


def read_record(session: Session, scope: policy.Scope, about: About) -> Record:
    """A contact's record, as the scope sees its related contacts."""
    messages, parts = _thread(session, about.id)
    outbox_ids = [m.outbox_id for m in messages if m.outbox_id]
    query = DELIVERY.where(OutboxMessage.id.in_(outbox_ids))
    outbox = {row.id: row for row in session.execute(query)} if outbox_ids else {}
    this = {"contact_id": about.id}
    events = session.execute(HISTORY, this).all()
    current = participants(session, about)
    return Record(
        about,
        messages,
        parts,
        outbox,
        calls=session.execute(CALLS, this).all(),
        events=events,
        people=_names(session, events, messages),
        participants=current,
        others=others_in_thread(messages, current),
        new_senders=new_in_thread(about, messages),
        related=_related(session, scope, about),
        mentioned_by=session.execute(_mentioning(scope), this).all(),
    )


def contact_page(session: Session, viewer: User, contact: Contact, keep=fresh) -> ContactPage:
    """Everything the contact page shows, for a contact the viewer may see (the caller has
    checked: service.get_contact). The record is `keep(key, read)` (see queue.queues): the key
    names the contact, what the record depends on of it, and the viewer's scope (it decides
    which related contacts show)."""
    scope = policy.contact_scope(viewer)
    about = About(
        contact.id,
        contact.client_email,
        contact.subject,
        contact.mentions_id,
        contact.merged_into_id,
    )
    record = keep(
        ("contact page", about, scope), lambda: (read_record(session, scope, about), None)
    )
    return ContactPage(contact, record)


# a contact's columns (what `state` reads)
COLUMNS = Contact.__mapper__.column_attrs


def state(contact: Contact) -> tuple:
    """Every column of a contact as the request read it: part of the key of what is kept of
    its page, so that a page never answers for another state of the contact."""
    return tuple(getattr(contact, column.key) for column in COLUMNS)


def holders(session: Session, contact: Contact) -> tuple[str | None, str | None]:
    """The names of the contact's owner and organisation (None where it has none), read now,
    not taken from the people the session already holds (read before what is kept of the page
    was, they are not in its key)."""
    return (
        _name(session, User, contact.owner_id),
        _name(session, Organisation, contact.organisation_id),
    )


def _name(session: Session, model, row_id: int | None) -> str | None:
    return None if row_id is None else session.scalar(select(model.name).where(model.id == row_id))
