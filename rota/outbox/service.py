"""Queue mail in the caller's transaction; deliver it after commit with retries and back-off."""

import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import make_msgid

from flask_mail import Message
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rota.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)


def one_line(value: str) -> str:
    """A header value with line breaks folded to spaces, so no header can be injected."""
    return " ".join(str(value).split())


def queue_mail(
    session: Session,
    *,
    to,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict | None = None,
    kind: str = "notification",
    domain: str = "rota.invalid",
) -> OutboxMessage:
    """Add an outgoing message to the outbox (flushed, sent only after the caller commits)."""
    recipients = [one_line(address) for address in ([to] if isinstance(to, str) else to)]
    message = OutboxMessage(
        message_id=make_msgid(domain=domain),
        kind=kind,
        recipients=recipients,
        subject=one_line(subject),
        body_text=text,
        body_html=html,
        headers={one_line(k): one_line(v) for k, v in (headers or {}).items()},
    )
    session.add(message)
    session.flush()
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(session: Session, message_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.SENDING, claimed_at=now)
    )
    session.commit()
    return claimed.rowcount == 1


def _as_flask_mail(row: OutboxMessage) -> Message:
    message = Message(
        subject=row.subject,
        recipients=row.recipients,
        body=row.body_text,
        html=row.body_html,
        extra_headers=dict(row.headers),
    )
    message.msgId = row.message_id  # Flask-Mail writes its own Message-ID header: use ours
    return message


def _record(row: OutboxMessage, error: Exception | None, now: datetime, max_attempts: int):
    row.attempts += 1
    if error is None:
        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, ""
        return
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if row.attempts >= max_attempts:
        row.status = OutboxStatus.FAILED
    else:
        row.status = OutboxStatus.QUEUED
        row.next_attempt_at = now + backoff(row.attempts)
    log.warning("outbox message %s not sent (attempt %s): %s", row.id, row.attempts, row.last_error)


def release_stale_claims(session: Session, now: datetime) -> int:
    """Put back messages whose sender died mid-send, so they are tried again."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - STALE_CLAIM,
        )
        .values(status=OutboxStatus.QUEUED)
    )
    session.commit()
    return result.rowcount


def deliver(session: Session, mail, now: datetime, *, ids=None, max_attempts: int = 12) -> int:
    """Send due queued messages (or just `ids`); commits per message. Returns how many were sent."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
    )
    if ids is not None:
        query = select(OutboxMessage.id).where(OutboxMessage.id.in_(list(ids)))
    sent = 0
    for message_id in session.scalars(query.order_by(OutboxMessage.id)).all():
        if not _claim(session, message_id, now):
            continue
        row = session.get(OutboxMessage, message_id)
        error = None
        try:
            mail.send(_as_flask_mail(row))
        except (smtplib.SMTPException, OSError) as exc:
            error = exc
        _record(row, error, now, max_attempts)
        session.commit()
        sent += error is None
    return sent
