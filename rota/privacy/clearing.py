"""Clearing personal data while keeping the rows that statistics count. Flushes, never commits.

A cleared contact keeps its channel, status, organisation, owner, shift, language and every
instant (received, opened, first response, closed), so counts by channel, week or organisation
and response times of past periods add up as before; its messages keep their direction and
times, its calls their times, outcome and duration. What goes: names, addresses, numbers,
subjects, texts, attachments, the raw mail and the copies in the outbox.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rota.contacts.models import (
    Acknowledgement,
    Attachment,
    Call,
    CallEvent,
    Contact,
    ContactEvent,
    IngestedKey,
    Message,
    Participant,
    RawMessage,
)
from rota.outbox.models import OutboxMessage, OutboxStatus
from rota.reports.models import FeedbackRequest

ERASED = "[erased]"

MESSAGE_BLANK = {
    "message_id": None,
    "in_reply_to": None,
    "references": "",
    "from_addr": "",
    "from_name": "",
    "to_addrs": "",
    "subject": "",
    "body_text": "",
    "body_html": None,
}
OUTBOX_BLANK = {
    "recipients": [],
    "subject": "",
    "body_text": "",
    "body_html": None,
    "headers": {},
    "attachments": [],
    "raw": None,
    "last_error": "",
}


def clear_raw(session: Session, raw_ids: Iterable[int]) -> int:
    """Drop the bytes (and what was read from them) of raw messages; the rows stay as ids."""
    ids = sorted(set(raw_ids) - {None})
    if not ids:
        return 0
    session.execute(delete(IngestedKey).where(IngestedKey.raw_id.in_(ids)))
    values = {"data": None, "message_id": "", "digest": "", "error": ""}
    session.execute(update(RawMessage).where(RawMessage.id.in_(ids)).values(**values))
    return len(ids)


def clear_outbox(session: Session, outbox_ids: Iterable[int]) -> int:
    """Blank outgoing mail; what was still to go is given up (it would go to nobody)."""
    ids = sorted(set(outbox_ids) - {None})
    if not ids:
        return 0
    pending = OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING])
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), pending)
        .values(status=OutboxStatus.FAILED, claimed_by=None, claim_expires_at=None)
    )
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**OUTBOX_BLANK))
    return len(ids)


def clear_messages(session: Session, message_ids: Iterable[int]) -> dict[str, int]:
    """Blank messages (the rows stay with direction and times) with their parts, raw mail and
    outbox copies; returns how many of each."""
    ids = sorted(set(message_ids))
    if not ids:
        return {"messages": 0, "attachments": 0, "raw_mail": 0, "outbox": 0}
    rows = session.execute(
        select(Message.raw_id, Message.outbox_id).where(Message.id.in_(ids))
    ).all()
    parts = session.execute(delete(Attachment).where(Attachment.message_id.in_(ids))).rowcount
    session.execute(update(Message).where(Message.id.in_(ids)).values(**MESSAGE_BLANK))
    return {
        "messages": len(ids),
        "attachments": parts,
        "raw_mail": clear_raw(session, (raw for raw, _outbox in rows)),
        "outbox": clear_outbox(session, (outbox for _raw, outbox in rows)),
    }


def clear_calls(session: Session, call_ids: Iterable[int]) -> int:
    """Blank the caller and summary of calls and the payloads of their telephony events."""
    ids = sorted(set(call_ids))
    if not ids:
        return 0
    external = [e for e in session.scalars(select(Call.external_id).where(Call.id.in_(ids))) if e]
    session.execute(update(Call).where(Call.id.in_(ids)).values(caller="", summary=""))
    if external:
        session.execute(
            update(CallEvent).where(CallEvent.external_id.in_(external)).values(payload="")
        )
    return len(ids)


def clear_contacts(session: Session, contact_ids: Iterable[int], now: datetime) -> dict[str, int]:
    """Clear whole contacts: their personal fields and everything in them (counts kept)."""
    ids = sorted(set(contact_ids))
    counts = {"contacts": len(ids)}
    if not ids:
        return counts
    counts.update(
        clear_messages(
            session, session.scalars(select(Message.id).where(Message.contact_id.in_(ids)))
        )
    )
    counts["calls"] = clear_calls(
        session, session.scalars(select(Call.id).where(Call.contact_id.in_(ids)))
    )
    counts["raw_mail"] += clear_raw(
        session,
        session.scalars(
            select(RawMessage.id).where(
                RawMessage.contact_id.in_(ids), RawMessage.data.is_not(None)
            )
        ),
    )
    acknowledged = select(Acknowledgement.outbox_id).where(Acknowledgement.contact_id.in_(ids))
    counts["outbox"] += clear_outbox(session, session.scalars(acknowledged))
    session.execute(delete(Acknowledgement).where(Acknowledgement.contact_id.in_(ids)))
    session.execute(delete(Participant).where(Participant.contact_id.in_(ids)))
    events = update(ContactEvent).where(ContactEvent.contact_id.in_(ids))
    session.execute(events.values(reason="", reason_data=None))
    clear_contact_fields(session, ids, now)
    return counts


def clear_contact_fields(session: Session, contact_ids: list[int], now: datetime) -> None:
    """The contacts' own personal fields: subject, the client's name, address and number, and
    the comment of their feedback (its rating stays, an anonymous figure of the reports)."""
    if contact_ids:
        session.execute(
            update(Contact)
            .where(Contact.id.in_(contact_ids))
            .values(subject="", client_name="", client_email="", client_phone="", anonymised_at=now)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(FeedbackRequest)
            .where(FeedbackRequest.contact_id.in_(contact_ids))
            .values(comment="")
            .execution_options(synchronize_session=False)
        )


def redact(text: str | None, secrets: Iterable[str]) -> str | None:
    """The text with every occurrence of the secrets (longest first, any case) replaced."""
    if not text:
        return text
    for secret in sorted(set(secrets), key=len, reverse=True):
        lowered, needle, start, parts = text.lower(), secret.lower(), 0, []
        while (found := lowered.find(needle, start)) >= 0:
            parts.append(text[start:found] + ERASED)
            start = found + len(needle)
        text = "".join(parts) + text[start:]
    return text
