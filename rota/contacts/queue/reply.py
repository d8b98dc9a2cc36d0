"""Replies from the shared address: threaded, tagged, quoted, queued with the Message row."""

import logging
import re
from datetime import datetime
from email.utils import formataddr
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from rota.contacts.events import Kind, flush_or_conflict, record_event
from rota.contacts.mail.mime.message import quote_for_reply, reference_tag
from rota.contacts.models import Contact, ContactStatus, Message, MessageDirection
from rota.contacts.queue.participants import add_participants, participants
from rota.contacts.queue.service import adopt
from rota.errors import DomainError
from rota.i18n import formats_of
from rota.members.models import User
from rota.outbox.service import domain_of, one_line, queue_mail, remember

log = logging.getLogger(__name__)

# "Re:", "RE[2]:", "Aw:" (de), "Sv:" (sv), "Vs:" (fi), repeated: stripped before one "Re: "
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|vs)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
MAX_REFERENCES = 20


def reply_subject(subject: str, reference: str | None) -> str:
    """ "Re: <subject> [#R-…]": one line, one "Re:", the reference tag once."""
    base = _REPLY_PREFIX.sub("", one_line(subject or "")).strip()
    if reference and reference_tag(base) != reference.upper():
        base = f"{base} [#{reference}]".strip()
    return f"Re: {base}"


def thread_headers(messages: list[Message]) -> dict[str, str]:
    """In-Reply-To (the client's last message) and References (the thread's Message-IDs)."""
    mails = [m for m in messages if m.message_id and m.direction != MessageDirection.NOTE]
    if not mails:
        return {}
    incoming = [m for m in mails if m.direction == MessageDirection.IN]
    parent = (incoming or mails)[-1]
    ids = list(dict.fromkeys(m.message_id for m in mails))
    if len(ids) > MAX_REFERENCES:  # keep the first and the latest, as RFC 5322 suggests
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return {"In-Reply-To": parent.message_id, "References": " ".join(ids)}


def attribution(author: str, when: datetime, zone: str, language: str) -> str:
    """The quote line ("On 3 March 2026 at 09:15, Aino wrote:") in the client's language."""
    locale = formats_of(language)
    with force_locale(language):
        return _(
            "On %(date)s at %(time)s, %(author)s wrote:",
            date=format_date(when, "long", locale=locale),
            time=format_time(when, "short", tzinfo=ZoneInfo(zone), locale=locale),
            author=one_line(author) or _("you"),
        )


def reply_body(text: str, messages: list[Message], zone: str = "UTC", language: str = "fi") -> str:
    """The counsellor's text, then the client's last message quoted (its time in `zone`, the
    quote line in `language`)."""
    incoming = [m for m in messages if m.direction == MessageDirection.IN and m.body_text]
    if not incoming:
        return text.strip() + "\n"
    last = incoming[-1]
    when = (last.sent_at or last.created_at).astimezone(ZoneInfo(zone))
    line = attribution(last.from_name or last.from_addr, when, zone, language)
    return f"{text.strip()}\n\n{quote_for_reply(last.body_text, line)}\n"


def _recipients(session: Session, contact: Contact) -> list[str]:
    """The participants as To addresses, the client's with the client's name."""
    addresses = participants(session, contact)
    if not addresses:
        raise DomainError(
            _l("This contact has no e-mail address to answer. Log a call instead."), "text"
        )
    client = contact.client_email.lower()
    return [
        formataddr((one_line(contact.client_name) if a == client else "", one_line(a)))
        for a in addresses
    ]


def send_reply(
    session: Session,
    contact: Contact,
    author: User,
    text: str,
    now: datetime,
    *,
    ring: tuple,
    zone: str = "UTC",
    also_to=(),
    default_language: str = "fi",
) -> Message:
    """Queue a reply from the shared address `ring` = (name, address) to the participants.

    `also_to` names addresses that wrote in the thread and become participants now; a reply
    never goes to any other address. The quote line is in the contact's language (else
    `default_language`).
    """
    if not text or not text.strip():
        raise DomainError(_l("Write the reply first."), "text")
    if contact.status == ContactStatus.CLOSED:
        raise DomainError(_l("This contact is closed. Reopen it to reply."))
    messages = [m for m in contact.messages]
    add_participants(session, contact, also_to, author, now)
    session.flush()
    to = _recipients(session, contact)
    adopt(contact, author, now)
    subject = reply_subject(contact.subject, contact.reference)
    outbox = queue_mail(
        session,
        to=to,
        subject=subject,
        text=reply_body(text, messages, zone, contact.language or default_language),
        headers=thread_headers(messages),
        kind="reply",
        domain=domain_of(ring[1]),
    )
    reply = Message(
        contact_id=contact.id,
        direction=MessageDirection.OUT,
        message_id=outbox.message_id,
        in_reply_to=outbox.headers.get("In-Reply-To"),
        references=outbox.headers.get("References", ""),
        from_addr=ring[1],
        from_name=ring[0],
        to_addrs=", ".join(to),
        subject=subject,
        body_text=outbox.body_text,
        author_id=author.id,
        outbox_id=outbox.id,
        created_at=now,
    )
    session.add(reply)
    contact.first_response_at = contact.first_response_at or now
    record_event(session, contact, Kind.REPLIED, now, actor_id=author.id)
    flush_or_conflict(session)
    remember(session, outbox.id)
    log.info("contact %s: reply queued (outbox %s)", contact.id, outbox.id)
    return reply
