"""Finding contacts: by reference, client address, phone number, name or text, within the
contacts the person may see (policy.contact_scope applied in SQL), and a client's earlier ones."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.contacts.models import Contact, Message
from rota.contacts.queue.service import in_scope, listed
from rota.errors import DomainError
from rota.members.models import User
from rota.members.service import normalise_phone

LIMIT = 50
EARLIER = 10


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone(text: str, region: str) -> str | None:
    """The query as an E.164 number when it reads as one (040 123 4567 -> +358401234567)."""
    if sum(char.isdigit() for char in text) < 5:
        return None
    try:
        return normalise_phone(text, region)
    except DomainError:
        return None


def search(session: Session, viewer: User, text: str, region: str, limit: int = LIMIT) -> list:
    """Contacts the viewer may see that match the text, newest first (at most `limit`), as
    rows of `listed`."""
    text = " ".join(text.split())
    if not text:
        return []
    pattern = _like(text.lower())
    matches = [
        Contact.reference.ilike(_like(text.lstrip("#")), escape="\\"),
        Contact.client_email.ilike(pattern, escape="\\"),
        Contact.client_name.ilike(pattern, escape="\\"),
        Contact.subject.ilike(pattern, escape="\\"),
        Contact.id.in_(
            select(Message.contact_id).where(Message.body_text.ilike(pattern, escape="\\"))
        ),
    ]
    if number := _phone(text, region):
        matches.append(Contact.client_phone == number)
    query = (
        listed(in_scope(policy.contact_scope(viewer)), or_(*matches))
        .order_by(Contact.received_at.desc(), Contact.id.desc())
        .limit(limit)
    )
    return session.execute(query).all()


def earlier_contacts(session: Session, viewer: User, contact: Contact) -> list:
    """The same client's other contacts (same address or phone number) the viewer may see."""
    same = [
        getattr(Contact, key) == value
        for key in ("client_email", "client_phone")
        if (value := getattr(contact, key))
    ]
    if not same:
        return []
    query = (
        select(Contact)
        .where(in_scope(policy.contact_scope(viewer)), or_(*same), Contact.id != contact.id)
        .order_by(Contact.received_at.desc(), Contact.id.desc())
        .limit(EARLIER)
    )
    return list(session.scalars(query))
