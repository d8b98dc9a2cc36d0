"""One ingest batch planned: the rows its parsed messages become, before anything is written.

Message by message, in order: a copy of an ingested message (same Message-ID and digest) is a
duplicate; any other message joins its thread's contact or opens one (rota.contacts.mail.threads)
and is stored with its attachments. A new contact is routed (the rota read once per batch and
minute), its counsellor on duty gets a notice, and a person gets one acknowledgement a day.
Reading takes a handful of queries per batch, and writing one statement per table
(rota.contacts.mail.rows).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.contacts.events import Kind
from rota.contacts.mail.acknowledge import (
    acknowledged_today,
    acknowledgement_mail,
    acknowledgement_rows,
)
from rota.contacts.mail.language import detect_language
from rota.contacts.mail.mime.message import ParsedMessage
from rota.contacts.mail.rows import Rows, reserve_ids
from rota.contacts.mail.threads import Thread, Threads
from rota.contacts.models import (
    Acknowledgement,
    Attachment,
    Contact,
    ContactEvent,
    ContactStatus,
    IngestedKey,
    Message,
    MessageDirection,
    RawStatus,
)
from rota.contacts.notify import notice_mail
from rota.contacts.routing.service import route_for
from rota.i18n import service_date
from rota.outbox.models import OutboxMessage
from rota.outbox.service import MailSettings, outbox_values
from rota.schedule.models import Channel

log = logging.getLogger(__name__)


class PlanChanged(Exception):
    """A subject's reference tag names a contact the same batch opens: plan one by one."""


@dataclass
class Caches:
    """What an ingest batch reads once: the rota and reasons, the texts of mail, who hears."""

    mail: MailSettings
    views: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)
    notices: dict = field(default_factory=dict)


@dataclass
class Incoming:
    """One parsed message of a batch, and what planning found for it."""

    raw_id: int
    fetched_at: datetime | None
    parsed: ParsedMessage
    key: str = ""
    thread: Thread | None = None  # None: a copy of an ingested message
    opens: bool = False  # it opens its contact
    mentions: int | None = None  # the contact whose tag it carries without joining it


def dedupe_key(parsed: ParsedMessage) -> str:
    """The key two copies of one message share: its Message-ID and its sender/date/size digest."""
    return hashlib.sha256(f"{parsed.message_id}\n{parsed.digest}".encode()).hexdigest()


def _classify(session: Session, batch: list[Incoming]) -> Threads:
    """Find duplicates and each message's thread (or a new contact), in order."""
    for item in batch:
        item.key = dedupe_key(item.parsed)
    known = select(IngestedKey.key).where(IngestedKey.key.in_([item.key for item in batch]))
    seen = set(session.scalars(known))
    threads = Threads(session, [item.parsed for item in batch])
    for item in batch:
        item.thread, item.opens, item.mentions = None, False, None  # also when planned before
        if item.key in seen:
            continue
        seen.add(item.key)
        item.thread = threads.find(item.parsed)
        if item.thread is None:
            item.thread, item.opens = threads.open(), True
            item.mentions = threads.mentioned(item.parsed)
        threads.add(item.parsed, item.thread)
    return threads


def _reserve(session: Session, rows: Rows, threads: Threads, batch: list[Incoming]) -> None:
    """Ids for the new contacts, their messages and (at most two per contact) outbox rows."""
    for thread, contact_id in zip(
        threads.opened, reserve_ids(session, Contact, len(threads.opened)), strict=True
    ):
        thread.id = contact_id
    if threads.unknown_tags & {thread.reference for thread in threads.opened}:
        raise PlanChanged("a reference tag names a contact this batch opens")
    kept, opened = sum(item.thread is not None for item in batch), len(threads.opened)
    reopened = {id(item.thread) for item in batch if _reopens(item.thread, item.parsed)}
    rows.ids[Message] = reserve_ids(session, Message, kept + opened)
    outbox = 2 * opened + len(reopened)  # acknowledgement and notice; notice of a reopening
    rows.ids[OutboxMessage] = reserve_ids(session, OutboxMessage, outbox)


def plan_batch(
    session: Session, batch: list[Incoming], config: Mapping, now: datetime, caches: Caches
) -> Rows:
    """The rows these messages become, in order (reads, reserves ids, writes nothing)."""
    rows = Rows()
    threads = _classify(session, batch)
    _reserve(session, rows, threads, batch)
    senders = {item.parsed.from_addr.lower() for item in batch if not item.parsed.automatic}
    acked = acknowledged_today(session, senders, service_date(now, config["TIMEZONE"]))
    for item in batch:
        if item.thread is None:
            rows.outcome(item.raw_id, "duplicate", **_raw_values(item, RawStatus.DUPLICATE))
        elif item.opens:
            contact = _open(session, rows, item, now, caches)
            _store(rows, item, "new", now)
            _acknowledge(session, rows, contact, item.parsed, config, now, caches, acked)
        else:
            _continue(session, rows, item.thread, item.parsed, now, caches)
            _store(rows, item, "threaded", now)
    return rows


def _raw_values(item: Incoming, status: RawStatus) -> dict:
    """What the raw row records: its outcome, Message-ID, digest and contact."""
    parsed, thread = item.parsed, item.thread
    return {
        "status": status,
        "message_id": parsed.message_id[:998],
        "digest": parsed.digest,
        "contact_id": thread.id if thread is not None else None,
    }


def _store(rows: Rows, item: Incoming, outcome: str, now) -> None:
    """The message's dedupe key, the message itself and the raw row's outcome."""
    rows.add(IngestedKey, key=item.key, raw_id=item.raw_id)
    _message(rows, item, now)
    rows.outcome(item.raw_id, outcome, **_raw_values(item, RawStatus.INGESTED))


def _from(parsed: ParsedMessage) -> dict:
    """A received-mail event's reason: plain text (API) and data for the reader's language."""
    automatic = f" (automatic: {parsed.automatic})" if parsed.automatic else ""
    return {
        "reason": f"e-mail from {parsed.from_addr or 'an unknown sender'}{automatic}",
        "reason_data": {"sender": parsed.from_addr, "automatic": parsed.automatic},
    }


def _contact(item: Incoming, language: str | None, decision, now) -> SimpleNamespace:
    """The new contact's values, with the owner, queue and shift routing chose."""
    parsed = item.parsed
    return SimpleNamespace(
        id=item.thread.id,
        reference=item.thread.reference,
        channel=Channel.EMAIL,
        status=ContactStatus.NEW,
        subject=parsed.subject[:998],
        client_name=parsed.from_name[:200],
        client_email=parsed.from_addr[:254],
        language=language,
        owner_id=decision.owner_id,
        organisation_id=decision.organisation_id,
        shift_id=decision.shift_id,
        received_at=item.fetched_at or now,
        updated_at=now,
        version=1,
        mentions_id=item.mentions,
    )


def _open(session: Session, rows: Rows, item: Incoming, now, caches: Caches) -> SimpleNamespace:
    """The new contact, routed, with its received and routed events and the notice."""
    parsed = item.parsed
    language = detect_language(parsed.text, next(iter(parsed.to), ""))
    decision, reason_data = route_for(session, str(Channel.EMAIL), language, now, caches.views)
    contact = _contact(item, language, decision, now)
    rows.add(Contact, **vars(contact))
    rows.add(ContactEvent, contact_id=contact.id, at=now, kind=Kind.RECEIVED, **_from(parsed))
    if item.mentions:  # the tag of a contact the sender is no participant of
        mentioned = {"kind": Kind.MENTIONED, "reason": f"R-{item.mentions}"}
        rows.add(ContactEvent, contact_id=contact.id, at=now, **mentioned)
    routed = {"to_owner_id": contact.owner_id, "organisation_id": contact.organisation_id}
    routed.update(kind=Kind.ROUTED, shift_id=contact.shift_id, reason_data=reason_data)
    rows.add(ContactEvent, contact_id=contact.id, at=now, **routed)
    log.info("contact %s routed: %s", contact.id, decision.route)
    fields = decision.on_duty and notice_mail(session, contact, caches.mail, batch=caches.notices)
    if fields:
        rows.notices.append(_outbox(rows, fields)["id"])
    return contact


def _outbox(rows: Rows, fields: dict) -> dict:
    return rows.add(OutboxMessage, id=rows.next_id(OutboxMessage), **outbox_values(**fields))


def _acknowledge(session, rows: Rows, contact, parsed, config, now, caches: Caches, acked) -> None:
    """Queue the acknowledgement of a new contact from a person (none to automatic mail)."""
    fields = acknowledgement_mail(
        session, contact, parsed, config, now, acked=acked, texts=caches.texts
    )
    if fields is None:
        return
    outbox = _outbox(rows, fields)
    acknowledgement, sent = acknowledgement_rows(contact, parsed, outbox, config, now)
    rows.add(Acknowledgement, **acknowledgement)
    rows.add(Message, id=rows.next_id(Message), **sent)
    rows.acknowledgements.append(outbox["id"])


def _reopens(thread: Thread | None, parsed: ParsedMessage) -> bool:
    """Whether a message opens its closed contact again: a person wrote to it, not a machine."""
    return thread is not None and thread.status == ContactStatus.CLOSED and not parsed.automatic


def _continue(session, rows: Rows, thread: Thread, parsed, now, caches: Caches) -> None:
    """A further message on a contact; a closed one is opened again and its owner told."""
    kind = Kind.MESSAGE
    if _reopens(thread, parsed):
        thread.status = ContactStatus.OPEN if thread.owner_id else ContactStatus.NEW
        thread.reopened, kind = True, Kind.REOPENED
        fields = notice_mail(session, thread, caches.mail, reopened=True, batch=caches.notices)
        if fields:
            rows.notices.append(_outbox(rows, fields)["id"])
    rows.add(ContactEvent, contact_id=thread.id, at=now, kind=kind, **_from(parsed))
    if thread.version is not None:  # a stored contact: updated once, after its messages
        rows.threads[thread.id] = thread


def _message(rows: Rows, item: Incoming, now) -> None:
    """The incoming message (sanitised HTML only) and its attachments."""
    parsed, message_id = item.parsed, rows.next_id(Message)
    rows.add(
        Message,
        id=message_id,
        contact_id=item.thread.id,
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
        raw_id=item.raw_id,
        sent_at=parsed.date,
        created_at=now,
    )
    for part in parsed.attachments:
        rows.add(
            Attachment,
            message_id=message_id,
            filename=part.filename[:255],
            content_type=part.content_type[:255],
            content_id=part.content_id and part.content_id[:255],
            inline=part.inline,
            size=part.size,
            data=part.data,
        )
