"""Threading: which contact an incoming e-mail belongs to, or a new contact for it.

A message joins the contact of any stored message (incoming or outgoing) whose Message-ID it
names in In-Reply-To or References; failing that, the contact whose reference tag ([#R-1234])
its subject carries; otherwise it opens a new contact with a reference of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.contacts.language import detect_language
from rota.contacts.mime import ParsedMessage, reference_tag
from rota.contacts.models import (
    Attachment,
    Contact,
    ContactEvent,
    ContactStatus,
    Message,
    MessageDirection,
    RawMessage,
)
from rota.schedule.models import Channel

MAX_REFERENCES = 50  # the newest ones; enough for any real thread


def find_contact(session: Session, parsed: ParsedMessage) -> Contact | None:
    """The contact this message continues, by Message-ID chain first, then by reference tag."""
    ids = [mid for mid in (parsed.in_reply_to, *parsed.references[-MAX_REFERENCES:]) if mid]
    if ids:
        contact_id = session.scalar(
            select(Message.contact_id)
            .where(Message.message_id.in_(ids))
            .order_by(Message.id.desc())
            .limit(1)
        )
        if contact_id is not None:
            return session.get(Contact, contact_id)
    tag = reference_tag(parsed.subject)
    if tag:
        return session.scalar(select(Contact).where(Contact.reference == tag))
    return None


def open_contact(session: Session, parsed: ParsedMessage, raw: RawMessage, now) -> Contact:
    """A new e-mail contact for this message, with its unique reference R-<id>."""
    to_address = next(iter(parsed.to), "")
    contact = Contact(
        channel=Channel.EMAIL,
        status=ContactStatus.NEW,
        subject=parsed.subject[:998],
        client_name=parsed.from_name[:200],
        client_email=parsed.from_addr[:254],
        language=detect_language(parsed.text, to_address),
        received_at=raw.fetched_at or now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    contact.reference = f"R-{contact.id}"
    reason = f"e-mail from {parsed.from_addr or 'an unknown sender'}"
    if parsed.automatic:
        reason += f" (automatic: {parsed.automatic})"
    session.add(ContactEvent(contact=contact, at=now, kind="received", reason=reason))
    return contact


def continue_contact(session: Session, contact: Contact, parsed: ParsedMessage, now) -> None:
    """Note a further message on a contact; a closed contact is opened again for its owner."""
    contact.updated_at = now
    reason = f"e-mail from {parsed.from_addr or 'an unknown sender'}"
    if contact.status == ContactStatus.CLOSED and not parsed.automatic:
        contact.status = ContactStatus.OPEN if contact.owner_id else ContactStatus.NEW
        contact.closed_at = None
        session.add(ContactEvent(contact=contact, at=now, kind="reopened", reason=reason))
        return
    session.add(ContactEvent(contact=contact, at=now, kind="message", reason=reason))


def add_message(
    session: Session, contact: Contact, parsed: ParsedMessage, raw: RawMessage, now: datetime
) -> Message:
    """Store the incoming message (sanitised HTML only) and its attachments on the contact."""
    message = Message(
        contact=contact,
        direction=MessageDirection.IN,
        message_id=parsed.message_id[:998],
        in_reply_to=(parsed.in_reply_to or None) and parsed.in_reply_to[:998],
        references=" ".join(parsed.references),
        from_addr=parsed.from_addr[:254],
        from_name=parsed.from_name[:200],
        to_addrs=", ".join((*parsed.to, *parsed.cc)),
        subject=parsed.subject[:998],
        body_text=parsed.text,
        body_html=parsed.html,
        automatic=parsed.automatic and parsed.automatic[:40],
        raw_id=raw.id,
        sent_at=parsed.date,
        created_at=now,
    )
    session.add(message)
    for part in parsed.attachments:
        message.attachments.append(
            Attachment(
                filename=part.filename[:255],
                content_type=part.content_type[:255],
                content_id=part.content_id and part.content_id[:255],
                inline=part.inline,
                size=part.size,
                data=part.data,
            )
        )
    return message
