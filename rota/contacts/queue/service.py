"""The counsellor's queue: who sees which contact, and claim, note, close, reopen. Flushes."""

import enum
import functools
import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, or_, select, true
from sqlalchemy.orm import Session, undefer

from rota.auth import policy
from rota.contacts.events import Kind, flush_or_conflict, record_event
from rota.contacts.models import (
    Attachment,
    Call,
    Contact,
    ContactStatus,
    Message,
    MessageDirection,
)
from rota.errors import Conflict, DomainError, NotFound
from rota.members.models import Organisation, User
from rota.paging import Cursor, Page, counted, keyset_page, keyset_select, read_page

log = logging.getLogger(__name__)

RECENTLY_CLOSED = 20
PAGE_SIZE = 25  # rows of a queue section on one page
NOT_CLOSED = Contact.status != ContactStatus.CLOSED
UNASSIGNED = Contact.owner_id.is_(None)
NOT_VISIBLE = _l("No such contact, or it is not in your queues.")


def in_scope(scope: policy.Scope):
    """SQL condition: the contacts a policy scope reaches."""
    if scope.reach == policy.Reach.ALL:
        return true()
    if scope.reach == policy.Reach.ORGANISATION:
        return Contact.organisation_id == scope.organisation_id
    unassigned_here = or_(
        Contact.organisation_id.is_(None), Contact.organisation_id == scope.organisation_id
    )
    return or_(Contact.owner_id == scope.person_id, and_(UNASSIGNED, unassigned_here))


def reaches(session: Session, scope: policy.Scope, contact_id: int | None) -> bool:
    """Whether a policy scope reaches this contact (in_scope, asked of one contact)."""
    query = select(Contact.id).where(Contact.id == contact_id, in_scope(scope))
    return contact_id is not None and session.scalar(query) is not None


THIS_CONTACT = bindparam("contact_id")  # the one contact a statement built once is about


@functools.lru_cache(maxsize=2048)
def _visible_contact(scope: policy.Scope):
    """The select of the contact THIS_CONTACT if the scope reaches it, built once a scope."""
    return select(Contact).where(Contact.id == THIS_CONTACT, in_scope(scope))


def get_contact(session: Session, viewer: User, contact_id: int) -> Contact:
    """A contact the viewer may see, or NotFound (others' contacts look like missing ones)."""
    query = _visible_contact(policy.contact_scope(viewer))
    contact = session.scalar(query, {"contact_id": contact_id})
    if contact is None:
        raise NotFound(NOT_VISIBLE)
    return contact


def get_attachment(session: Session, viewer: User, contact_id: int, attachment_id: int):
    """A stored part of a message of a contact the viewer may see, or NotFound."""
    contact = get_contact(session, viewer, contact_id)
    attachment = session.scalar(
        select(Attachment)
        .join(Message, Attachment.message_id == Message.id)
        .where(Attachment.id == attachment_id, Message.contact_id == contact.id)
        .options(undefer(Attachment.data))
    )
    if attachment is None:
        raise NotFound(_l("No such attachment on this contact."))
    return attachment


# What a list of contacts shows (the queue's sections, the front page's panels, search
# results): plain values, not entities, so a page of rows costs little to read; the owner's
# and the queue's names by outer joins. Built once: each list adds its conditions.
LISTED = (
    select(
        Contact.id,
        Contact.reference,
        Contact.subject,
        Contact.channel,
        Contact.client_phone,  # a call's subject is written from it when shown
        Contact.anonymised_at,
        Contact.status,
        Contact.received_at,
        User.name.label("owner_name"),
        Organisation.name.label("organisation_name"),
    )
    .outerjoin(User, Contact.owner_id == User.id)
    .outerjoin(Organisation, Contact.organisation_id == Organisation.id)
)
# the calls to return, with their contact's reference
CALLBACKS = select(
    Call.id,
    Call.caller,
    Call.caller_unreadable,
    Call.started_at,
    Call.outcome,
    Call.contact_id,
    Contact.reference,
).join(Contact, Call.contact_id == Contact.id)


def listed(*conditions):
    """A select of the rows of a list of contacts (LISTED) that meet the conditions."""
    return LISTED.where(*conditions)


class Section(enum.StrEnum):
    """The lists of the queue page that grow with use, each read a page at a time; the value
    is the page link's query parameter."""

    MINE = "mine"  # a counsellor's own open contacts; for the others, those with a counsellor
    ORGANISATION = "organisation"  # unassigned in an organisation's queue (the viewer's)
    RING = "ring"  # the ring's unassigned queue
    UNOPENED = "unopened"  # new, nobody has opened them (the coordinator's front page)
    CALLBACKS = "callbacks"  # missed calls waiting for a call back


def _section(scope: policy.Scope, section: Section) -> tuple:
    """SQL conditions on contacts: those of a section among the ones a scope reaches."""
    own = scope.reach == policy.Reach.OWN_OR_UNASSIGNED
    return {
        Section.MINE: (NOT_CLOSED, Contact.owner_id == scope.person_id if own else ~UNASSIGNED),
        Section.ORGANISATION: (
            NOT_CLOSED,
            UNASSIGNED,
            Contact.organisation_id == scope.organisation_id
            if own
            else Contact.organisation_id.is_not(None),
        ),
        Section.RING: (NOT_CLOSED, UNASSIGNED, Contact.organisation_id.is_(None)),
        Section.UNOPENED: (Contact.status == ContactStatus.NEW,),
    }[section]


def _section_query(scope: policy.Scope, section: Section):
    """The rows a section lists: contacts as `listed`; calls with their contact's reference."""
    if section != Section.CALLBACKS:
        return listed(in_scope(scope), *_section(scope, section))
    return CALLBACKS.where(in_scope(scope), Call.callback_needed, Call.callback_done_at.is_(None))


def _order(section: Section) -> tuple:
    """A section's order: (key, id column), oldest first."""
    if section == Section.CALLBACKS:
        return Call.started_at, Call.id
    return Contact.received_at, Contact.id


# A section's first page and count are the same statements on every visit of one person (or of
# anyone with the same scope): each is built once (building costs as much as reading it).
@functools.lru_cache(maxsize=2048)
def _first_page(scope: policy.Scope, section: Section, size: int):
    return keyset_select(_section_query(scope, section), *_order(section), None, size)


@functools.lru_cache(maxsize=2048)
def _count(scope: policy.Scope, section: Section):
    return counted(_section_query(scope, section))


def section_page(
    session: Session, viewer: User, section: Section, cursor: Cursor | None = None, size=PAGE_SIZE
) -> Page:
    """A page of a queue section's rows, oldest first, with how many there are in all."""
    scope = policy.contact_scope(viewer)
    if cursor is None:
        return read_page(session, _first_page(scope, section, size), None, size, entities=False)
    query = _section_query(scope, section)
    return keyset_page(session, query, *_order(section), cursor, size, entities=False)


def section_count(session: Session, viewer: User, section: Section) -> int:
    """How many contacts (or calls) a queue section holds, by a COUNT query."""
    return session.scalar(_count(policy.contact_scope(viewer), section))


@functools.lru_cache(maxsize=2048)
def _recently_closed(scope: policy.Scope):
    return (
        listed(in_scope(scope), Contact.status == ContactStatus.CLOSED)
        .order_by(Contact.closed_at.desc(), Contact.id.desc())
        .limit(RECENTLY_CLOSED)
    )


@dataclass
class Queues:
    """The sections of the queue page: pages of the growing lists, the latest closed (rows of
    `listed`; the calls to return, of calls with their contact's reference)."""

    mine: Page
    organisation: Page
    ring: Page | None  # not an organisation admin's
    callbacks: Page
    closed: list


def fresh(_key, read):
    """A part of the queue page read afresh: `queues`' default way to keep its parts (a
    worker's hot answers, rota.hot.answer, are another)."""
    return read()[0]


def queues(session: Session, viewer: User, cursors: dict[str, Cursor | None], keep=fresh) -> Queues:
    """The viewer's queue page: a page of each section at its cursor (`cursors` by section).
    Each part is `keep(key, read)`: `read()` gives the part (and None: the clock does not
    change it), and the key names all it depends on (the viewer's scope, not the viewer: it
    is the same part for everyone who reaches the same contacts). The parts' rows may be
    shared: read them, never change them."""
    scope = policy.contact_scope(viewer)

    def page(section: Section) -> Page:
        cursor = cursors.get(section)
        read = functools.partial(section_page, session, viewer, section, cursor)
        return keep(("section", scope, section, cursor), lambda: (read(), None))

    sections = (Section.MINE, Section.ORGANISATION, Section.RING, Section.CALLBACKS)
    pages = {
        section: page(section)
        for section in sections
        if section != Section.RING or scope.reach != policy.Reach.ORGANISATION
    }
    closed = keep(("closed", scope), lambda: (session.execute(_recently_closed(scope)).all(), None))
    return Queues(
        mine=pages[Section.MINE],
        organisation=pages[Section.ORGANISATION],
        ring=pages.get(Section.RING),
        callbacks=pages[Section.CALLBACKS],
        closed=closed,
    )


def message_counts(session: Session, contact_ids) -> dict[int, int]:
    """How many e-mails (in and out, not notes) each contact has."""
    query = (
        select(Message.contact_id, func.count(Message.id))
        .where(Message.contact_id.in_(list(contact_ids)))
        .where(Message.direction != MessageDirection.NOTE)
        .group_by(Message.contact_id)
    )
    return dict(session.execute(query).all())


def take(contact: Contact, user: User, now: datetime) -> None:
    """Make `user` the owner of an unassigned or own contact and mark it opened (no flush)."""
    if contact.owner_id not in (None, user.id):
        raise Conflict(_l("This contact is already with someone else. Ask to have it reassigned."))
    contact.owner_id = user.id
    if contact.organisation_id is None:
        contact.organisation_id = user.organisation_id
    if contact.status == ContactStatus.NEW:
        contact.status = ContactStatus.OPEN
    contact.opened_at = contact.opened_at or now
    contact.updated_at = now


def adopt(contact: Contact, user: User, now: datetime) -> None:
    """Take the contact if nobody has it (someone else's contact keeps its owner)."""
    if contact.owner_id in (None, user.id) and contact.status != ContactStatus.CLOSED:
        take(contact, user, now)


def claim(session: Session, contact: Contact, user: User, now: datetime) -> Contact:
    """Open or claim a contact: it is now the user's; at shift end it stays with them."""
    if contact.status == ContactStatus.CLOSED:
        raise DomainError(_l("This contact is closed. Reopen it first."))
    was_owner = contact.owner_id
    take(contact, user, now)
    record_event(
        session,
        contact,
        Kind.CLAIMED,
        now,
        actor_id=user.id,
        from_owner_id=was_owner,
        to_owner_id=user.id,
        organisation_id=contact.organisation_id,
    )
    flush_or_conflict(session)
    return contact


def add_note(session: Session, contact: Contact, user: User, text: str, now: datetime) -> Message:
    """An internal note on the contact (never sent to the client)."""
    if not text or not text.strip():
        raise DomainError(_l("Write the note first."), "text")
    note = Message(
        contact_id=contact.id,
        direction=MessageDirection.NOTE,
        body_text=text.strip(),
        author_id=user.id,
        from_name=user.name,
        created_at=now,
    )
    session.add(note)
    contact.updated_at = now
    flush_or_conflict(session)
    return note


def close(session: Session, contact: Contact, user: User, now: datetime) -> Contact:
    """Close the contact (it can be reopened)."""
    if contact.status == ContactStatus.CLOSED:
        raise DomainError(_l("This contact is already closed."))
    contact.status, contact.closed_at, contact.updated_at = ContactStatus.CLOSED, now, now
    record_event(session, contact, Kind.CLOSED, now, actor_id=user.id)
    flush_or_conflict(session)
    return contact


def reopen(session: Session, contact: Contact, user: User, now: datetime) -> Contact:
    """Reopen a closed contact by hand (a client writing again reopens it in the ingest)."""
    if contact.status != ContactStatus.CLOSED:
        raise DomainError(_l("This contact is not closed."))
    contact.status = ContactStatus.OPEN if contact.owner_id else ContactStatus.NEW
    contact.closed_at, contact.updated_at = None, now
    record_event(
        session, contact, Kind.REOPENED, now, actor_id=user.id, to_owner_id=contact.owner_id
    )
    flush_or_conflict(session)
    return contact
