"""One client's data: find it by e-mail address or phone number, export it, erase it.

Each export and erasure is done by a coordinator with a reason and recorded as a
`ClientRequest` (when, who, why, how many records — never whose). Erasure clears the client's
contacts and their own messages and calls (rota.privacy.clearing); other people's messages in
the same threads stay, with the erased client's address, number, names and subjects redacted
from them. Flushes, never commits.
"""

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr, getaddresses, parseaddr

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload, undefer

from rota.auth import policy
from rota.contacts.models import (
    Acknowledgement,
    Attachment,
    Call,
    CallEvent,
    Contact,
    ContactEvent,
    Message,
    MessageDirection,
    Participant,
    RawMessage,
    RawStatus,
)
from rota.errors import DomainError
from rota.members.models import User
from rota.members.service import normalise_phone
from rota.outbox.models import OutboxMessage
from rota.privacy.clearing import (
    clear_calls,
    clear_contact_fields,
    clear_messages,
    clear_outbox,
    clear_raw,
    redact,
)
from rota.privacy.models import ClientRequest, RequestKind

MIN_SECRET = 3  # shorter strings (initials, "Hi") are too common to redact everywhere


@dataclass(frozen=True)
class ClientKey:
    """How the client is named: an e-mail address, a phone number (E.164), or both."""

    email: str = ""
    phone: str = ""

    @classmethod
    def parse(cls, email: str | None, phone: str | None, region: str) -> "ClientKey":
        """The key from what a coordinator typed; a clear error when it names nobody."""
        email, phone = (email or "").strip().lower(), (phone or "").strip()
        if not (email or phone):
            raise DomainError(_l("Give the client's e-mail address, phone number or both."))
        if email and ("@" not in email or len(email) > 254):
            raise DomainError(_l("Give an e-mail address such as name@example.fi."), "email")
        if phone:
            try:
                phone = normalise_phone(phone, region)
            except DomainError as exc:
                raise DomainError(exc.user_message, "phone") from exc
        return cls(email, phone)

    @property
    def named_by(self) -> str:
        """What named the client (recorded instead of the address or number)."""
        return "+".join(name for name in ("email", "phone") if getattr(self, name))


@dataclass
class ClientData:
    """Everything held about one client."""

    key: ClientKey
    contacts: list = field(default_factory=list)  # the client's own contacts
    messages: list = field(default_factory=list)  # the client's own mail and mail to them
    calls: list = field(default_factory=list)
    outbox: list = field(default_factory=list)  # mail sent to the client
    raw: list = field(default_factory=list)  # raw mail of the client (incl. unreadable)
    call_events: list = field(default_factory=list)

    @property
    def emails(self) -> set[str]:
        found = {c.client_email.lower() for c in self.contacts if c.client_email}
        return found | ({self.key.email} if self.key.email else set())

    @property
    def phones(self) -> set[str]:
        found = {c.client_phone for c in self.contacts if c.client_phone}
        return found | ({self.key.phone} if self.key.phone else set())

    @property
    def counts(self) -> dict[str, int]:
        return {
            "contacts": len(self.contacts),
            "messages": len(self.messages),
            "attachments": sum(len(m.attachments) for m in self.messages),
            "calls": len(self.calls),
            "outgoing_mail": len(self.outbox),
            "raw_mail": len(self.raw),
            "call_events": len(self.call_events),
        }

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def _may_name(column, emails: set[str]):
    """SQL: the column's text contains one of the addresses (narrowed by `_names`)."""
    return or_(*(func.lower(cast(column, String)).contains(e, autoescape=True) for e in emails))


def _recipients(addresses) -> list[str]:
    """Recipients as written (with names), from a header value or a list."""
    if isinstance(addresses, str):
        return [formataddr(pair) for pair in getaddresses([addresses]) if pair[1]]
    return list(addresses)


def _names(addresses, emails: set[str]) -> bool:
    """Whether one of the recipients (a header value or a list) is one of the addresses."""
    return any(parseaddr(a)[1].lower() in emails for a in _recipients(addresses))


def find(session: Session, key: ClientKey) -> ClientData:
    """Everything held about the client named by `key` (and the client's other address or
    number recorded on their contacts)."""
    data = ClientData(key)
    direct = [Contact.client_email == key.email] if key.email else []
    direct += [Contact.client_phone == key.phone] if key.phone else []
    query = select(Contact).where(or_(*direct)).order_by(Contact.id)
    data.contacts = list(session.scalars(query))
    emails, phones = data.emails, data.phones
    contact_ids = [c.id for c in data.contacts]
    if emails:
        own, to_them = (
            func.lower(Message.from_addr).in_(emails),
            (Message.direction == MessageDirection.OUT) & _may_name(Message.to_addrs, emails),
        )
        notes = (Message.direction == MessageDirection.NOTE) & Message.contact_id.in_(contact_ids)
        query = (
            select(Message)
            .where(or_(own, to_them, notes))
            .options(selectinload(Message.attachments))
            .order_by(Message.created_at, Message.id)
        )
        data.messages = [
            m
            for m in session.scalars(query)
            if m.direction != MessageDirection.OUT
            or m.from_addr.lower() in emails
            or _names(m.to_addrs, emails)
        ]
        query = select(OutboxMessage).where(_may_name(OutboxMessage.recipients, emails))
        data.outbox = [
            row
            for row in session.scalars(query.order_by(OutboxMessage.id))
            if _names(row.recipients, emails)
        ]
    data.calls = _calls(session, contact_ids, phones)
    raw_ids = {m.raw_id for m in data.messages if m.raw_id}
    data.raw = [r for r in _unread_raw(session, emails) if r.id not in raw_ids]
    data.raw += list(session.scalars(select(RawMessage).where(RawMessage.id.in_(raw_ids))))
    data.call_events = _call_events(session, data.calls, phones)
    return data


def _calls(session: Session, contact_ids: list[int], phones: set[str]) -> list[Call]:
    """Calls from the client's numbers, and the calls on their contacts except those from a
    number that is another client's (the caller of another contact)."""
    others = select(Contact.client_phone).where(
        Contact.id.not_in(contact_ids), Contact.client_phone != ""
    )
    on_theirs = Call.contact_id.in_(contact_ids) & (
        Call.caller.in_(phones) | Call.caller.not_in(others)
    )
    query = select(Call).where(or_(on_theirs, Call.caller.in_(phones)))
    return list(session.scalars(query.order_by(Call.started_at, Call.id)))


def _unread_raw(session: Session, emails: set[str]) -> list[RawMessage]:
    """Raw mail that is no message (unreadable, duplicate, waiting) naming the client."""
    if not emails:
        return []
    query = select(RawMessage).where(
        RawMessage.data.is_not(None), RawMessage.status != RawStatus.INGESTED
    )
    needles = [e.encode() for e in emails]
    return [r for r in session.scalars(query) if any(n in r.data.lower() for n in needles)]


def _call_events(session: Session, calls: list, phones: set[str]) -> list[CallEvent]:
    external = {c.external_id for c in calls if c.external_id}
    conditions = [CallEvent.external_id.in_(external)] + [
        CallEvent.payload.contains(p, autoescape=True) for p in phones
    ]
    query = select(CallEvent).where(CallEvent.payload != "", or_(*conditions))
    return list(session.scalars(query.order_by(CallEvent.id)))


def _require(actor: User | None, reason: str) -> str:
    """The reason, stripped; only a coordinator (or the operator, `actor` None) may act."""
    if actor is not None and not policy.may_handle_client_data(actor):
        raise DomainError(_l("Only the coordinator handles a client's data."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why (e.g. the client's request of 3 May)."), "reason")
    return reason


def _record(session, kind, actor, key, reason, counts, now, via) -> ClientRequest:
    request = ClientRequest(
        kind=kind,
        at=now,
        actor_id=actor.id if actor else None,
        named_by=key.named_by,
        reason=reason,
        counts=counts,
        via=via,
    )
    session.add(request)
    session.flush()
    return request


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _contact_json(contact: Contact) -> dict:
    return {
        "reference": contact.reference,
        "channel": str(contact.channel),
        "status": str(contact.status),
        "subject": contact.subject,
        "client_name": contact.client_name,
        "client_email": contact.client_email,
        "client_phone": contact.client_phone,
        "language": contact.language,
        "received_at": _instant(contact.received_at),
        "closed_at": _instant(contact.closed_at),
    }


def _message_json(message: Message, eml: dict) -> dict:
    return {
        "id": message.id,
        "contact": message.contact.reference,
        "direction": str(message.direction),
        "from": message.from_addr,
        "from_name": message.from_name,
        "to": message.to_addrs,
        "subject": message.subject,
        "text": message.body_text,
        "created_at": _instant(message.created_at),
        "original": eml.get(message.raw_id),
        "attachments": [
            {"file": f"attachments/{a.id}-{a.filename}", "type": a.content_type, "size": a.size}
            for a in message.attachments
        ],
    }


def _call_json(call: Call) -> dict:
    return {
        "contact": call.contact.reference,
        "caller": call.caller,
        "started_at": _instant(call.started_at),
        "duration_seconds": call.duration_seconds,
        "outcome": str(call.outcome) if call.outcome else None,
        "summary": call.summary,
    }


def export(
    session: Session, actor: User | None, key: ClientKey, reason: str, now: datetime, *, via="web"
) -> bytes:
    """A ZIP of everything held about the client: data.json, the original messages (.eml)
    and the attachments; the export is recorded."""
    reason = _require(actor, reason)
    data = find(session, key)
    if data.empty:
        raise DomainError(_l("Nothing is held about this client."))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        eml = {}
        for raw in data.raw:
            if raw.data is not None:
                eml[raw.id] = f"messages/{raw.id}.eml"
                archive.writestr(eml[raw.id], raw.data)
        ids = [m.id for m in data.messages]
        parts = select(Attachment).where(Attachment.message_id.in_(ids))
        for part in session.scalars(parts.options(undefer(Attachment.data))):
            archive.writestr(f"attachments/{part.id}-{part.filename}", part.data)
        document = {
            "exported_at": now.isoformat(),
            "contacts": [_contact_json(c) for c in data.contacts],
            "messages": [_message_json(m, eml) for m in data.messages],
            "calls": [_call_json(c) for c in data.calls],
            "outgoing_mail": [
                {
                    "to": o.recipients,
                    "subject": o.subject,
                    "text": o.body_text,
                    "sent_at": _instant(o.sent_at),
                }
                for o in data.outbox
            ],
            "call_events": [{"event": e.event, "payload": e.payload} for e in data.call_events],
            "original_messages_without_contact": sorted(
                eml[r.id] for r in data.raw if r.id in eml and r.status != RawStatus.INGESTED
            ),
        }
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
    _record(session, RequestKind.EXPORT, actor, key, reason, data.counts, now, via)
    return buffer.getvalue()


def erase(
    session: Session, actor: User | None, key: ClientKey, reason: str, now: datetime, *, via="web"
) -> ClientRequest:
    """Erase the client's data; other people's messages in the same threads stay, redacted."""
    reason = _require(actor, reason)
    data = find(session, key)
    if data.empty:
        raise DomainError(_l("Nothing is held about this client."))
    counts, emails = data.counts, data.emails
    secrets = _secrets(session, data)
    own = {c.id for c in data.contacts}
    shared_out = [
        m
        for m in data.messages
        if m.direction == MessageDirection.OUT and _others(m.to_addrs, emails)
    ]
    cleared = {m.id for m in data.messages} - {m.id for m in shared_out}
    clear_messages(session, cleared)
    clear_calls(session, [c.id for c in data.calls])
    clear_raw(session, [r.id for r in data.raw])
    clear_outbox(session, [o.id for o in data.outbox if not _others(o.recipients, emails)])
    session.execute(
        CallEvent.__table__.update()
        .where(CallEvent.id.in_([e.id for e in data.call_events]))
        .values(payload="")
    )
    session.execute(
        Acknowledgement.__table__.delete().where(func.lower(Acknowledgement.address).in_(emails))
    )
    session.execute(
        Participant.__table__.delete().where(func.lower(Participant.address).in_(emails))
    )
    _redact_rest(session, own, shared_out, data.outbox, emails, secrets)
    clear_contact_fields(session, sorted(own), now)
    return _record(session, RequestKind.ERASE, actor, key, reason, counts, now, via)


def _others(addresses, emails: set[str]) -> list[str]:
    """The recipients (as written, with names) that are not the client."""
    if isinstance(addresses, str):
        addresses = [formataddr(pair) for pair in getaddresses([addresses]) if pair[1]]
    return [a for a in addresses if a and parseaddr(a)[1].lower() not in emails]


def _secrets(session: Session, data: ClientData) -> set[str]:
    """What identifies the client in other people's texts: addresses, numbers, names,
    subjects and Message-IDs of their own mail and its lines (where a reply quoted them), and
    what was noted of their calls."""
    own = [m for m in data.messages if m.direction == MessageDirection.IN]
    values = data.emails | data.phones
    values |= {c.client_name for c in data.contacts} | {c.subject for c in data.contacts}
    values |= {m.from_name for m in own} | {m.subject for m in own}
    values |= {m.message_id for m in own if m.message_id}
    values |= {c.summary for c in data.calls}
    values |= {line.lstrip("> ").strip() for m in own for line in m.body_text.splitlines()}
    return {v.strip() for v in values if v and len(v.strip()) >= MIN_SECRET}


def _redact_rest(session, own: set[int], shared_out: list, outbox: list, emails, secrets) -> None:
    """Other people's messages in the client's threads, replies that went to others too, and
    their outbox copies: the client's identifiers redacted, the client taken off recipients."""
    kept = list(
        session.scalars(select(Message).where(Message.contact_id.in_(own), Message.body_text != ""))
    )
    for message in {m.id: m for m in [*kept, *shared_out]}.values():
        message.to_addrs = ", ".join(_others(message.to_addrs, emails))
        for name in ("subject", "body_text", "body_html", "references", "in_reply_to", "from_name"):
            setattr(message, name, redact(getattr(message, name), secrets))
    for row in outbox:
        others = _others(row.recipients, emails)
        if others:
            row.recipients, row.raw, row.headers = others, None, {}
            row.subject, row.body_text = (
                redact(row.subject, secrets),
                redact(row.body_text, secrets),
            )
            row.body_html = redact(row.body_html, secrets)
    for event in session.scalars(select(ContactEvent).where(ContactEvent.contact_id.in_(own))):
        event.reason = redact(event.reason, secrets)
        if event.reason_data:  # e.g. the sender of a "received" row, shown in words on the page
            event.reason_data = {
                key: redact(value, secrets) if isinstance(value, str) else value
                for key, value in event.reason_data.items()
            }
    session.flush()
