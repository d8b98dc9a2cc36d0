"""Merging one contact into another: a counsellor's decision, confirmed, recorded, reversible only
by hand. Flushes.

Mail that names a contact's reference from an address that is not one of its participants opens
a contact of its own that mentions it (rota.contacts.mail.threads). When that mail does belong
to the other contact (the client wrote from another address), a person who may see both merges
them: the messages, calls and history move, the emptied contact stays closed as a pointer to the
one it went into, and each gets an event saying who merged what. Participants do not move: the
merged-in sender gets replies only when a counsellor adds them (rota.contacts.queue.participants).
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.contacts.events import Kind, flush_or_conflict, record_event
from rota.contacts.models import (
    Acknowledgement,
    Call,
    Contact,
    ContactEvent,
    ContactStatus,
    Message,
    MessageDirection,
    RawMessage,
)
from rota.contacts.queue.service import NOT_VISIBLE, in_scope, reaches
from rota.errors import DomainError, NotFound
from rota.members.models import User

MOVED = (Message, Call, ContactEvent, RawMessage, Acknowledgement)  # rows that name a contact


@dataclass
class MergePlan:
    """What a merge would do: the two contacts and how much moves."""

    source: Contact
    target: Contact
    messages: int
    calls: int


def _reference(text: str | None) -> str:
    return (text or "").strip().lstrip("[#").rstrip("]").strip().upper()


def merge_target(session: Session, viewer: User, source: Contact, reference: str) -> Contact:
    """The contact `reference` names, if both are in the viewer's merge scope and `source` can
    go into it."""
    reference, scope = _reference(reference), policy.merge_scope(viewer)
    if not reaches(session, scope, source.id):
        raise NotFound(NOT_VISIBLE)
    target = session.scalar(select(Contact).where(Contact.reference == reference, in_scope(scope)))
    if source.merged_into_id is not None:
        raise DomainError(_l("This contact was already merged into another one."))
    if target is None:
        message = _l("No contact %(reference)s in your queues. Check the reference.")
        raise DomainError(message % {"reference": reference or "—"}, "into")
    if target.id == source.id:
        raise DomainError(_l("A contact cannot be merged into itself."), "into")
    if target.merged_into_id is not None:
        message = _l("%(reference)s was itself merged into another contact: merge into that one.")
        raise DomainError(message % {"reference": target.reference}, "into")
    return target


def _count(session: Session, model, contact_id: int, *where) -> int:
    query = select(func.count()).select_from(model).where(model.contact_id == contact_id, *where)
    return session.scalar(query)


def plan_merge(session: Session, viewer: User, source: Contact, reference: str) -> MergePlan:
    """What merging `source` into the contact `reference` would move (for the confirmation)."""
    target = merge_target(session, viewer, source, reference)
    mails = _count(session, Message, source.id, Message.direction != MessageDirection.NOTE)
    return MergePlan(source, target, mails, _count(session, Call, source.id))


def merge(
    session: Session, viewer: User, source: Contact, reference: str, now: datetime
) -> Contact:
    """Move everything of `source` into the contact `reference` names; the merged-into contact."""
    target = merge_target(session, viewer, source, reference)
    for model in MOVED:
        session.execute(
            update(model)
            .where(model.contact_id == source.id)
            .values(contact_id=target.id)
            .execution_options(synchronize_session=False)
        )
    for column in (Contact.merged_into_id, Contact.mentions_id):  # pointers follow the move
        session.execute(update(Contact).where(column == source.id).values({column: target.id}))
    session.expire(target, ["messages", "calls", "events"])
    if target.status == ContactStatus.CLOSED and source.status != ContactStatus.CLOSED:
        target.status = ContactStatus.OPEN if target.owner_id else ContactStatus.NEW
        target.closed_at = None
        record_event(session, target, Kind.REOPENED, now, actor_id=viewer.id)
    target.updated_at = now
    source.status, source.merged_into_id, source.updated_at = ContactStatus.CLOSED, target.id, now
    source.closed_at = source.closed_at or now
    record_event(session, target, Kind.MERGED, now, actor_id=viewer.id, reason=source.reference)
    record_event(
        session, source, Kind.MERGED_INTO, now, actor_id=viewer.id, reason=target.reference
    )
    flush_or_conflict(session)
    return target
