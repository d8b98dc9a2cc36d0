"""A contact's history: what kinds of event there are, their labels, and recording one."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rota.contacts.models import Contact, ContactEvent, ContactEventKind
from rota.errors import Conflict

Kind = ContactEventKind

# What the contact page shows for each kind of event.
LABELS = {
    Kind.RECEIVED: _l("received"),
    Kind.MESSAGE: _l("message received"),
    Kind.ROUTED: _l("routed"),
    Kind.HANDED_OVER: _l("moved at shift end"),
    Kind.REASSIGNED: _l("reassigned"),
    Kind.CLAIMED: _l("taken"),
    Kind.REPLIED: _l("replied"),
    Kind.CLOSED: _l("closed"),
    Kind.REOPENED: _l("reopened"),
    Kind.CALL_ANSWERED: _l("call answered"),
    Kind.CALL_MISSED: _l("call missed"),
    Kind.CALL_LOGGED: _l("call logged"),
    Kind.CALLED_BACK: _l("called back"),
    Kind.CALLER_UNREADABLE: _l("caller's number not readable"),
    Kind.MENTIONED: _l("mentions another contact from another address"),
    Kind.PARTICIPANT_ADDED: _l("added to the conversation"),
    Kind.MERGED: _l("merged in"),
    Kind.MERGED_INTO: _l("merged into another contact"),
    Kind.SHIFT_CHANGED_HANDS: _l("moved with its shift"),
}


def record_event(
    session: Session, contact: Contact, kind: ContactEventKind, now: datetime, **fields
) -> ContactEvent:
    """Add one event to a contact's history."""
    event = ContactEvent(contact_id=contact.id, kind=kind, at=now, **fields)
    session.add(event)
    return event


def flush_or_conflict(session: Session) -> None:
    """Flush; a contact changed by someone else meanwhile becomes a Conflict to show."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            _l("Someone else changed this contact first. Reload and try again.")
        ) from exc
