"""Queue mail in the caller's transaction; deliver it after commit with retries and back-off."""

import logging
import secrets
import smtplib
from collections.abc import Mapping
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_mail import Message
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from rota.logs import describe
from rota.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)
CLAIM_BATCH = 100  # messages claimed in one commit; a sender dying mid-batch frees them later
PENDING = "rota.outbox.pending_ids"


@dataclass(frozen=True)
class MailSettings:
    """The ring as the writer of its mail: name, address, languages and time zone.

    Read from the configuration at the edge (a view, a command, a job) and passed to the use
    cases that queue mail, so that they never read the app's configuration themselves.
    """

    ring_name: str
    ring_email: str
    languages: tuple[str, ...]
    default_locale: str
    zone: str

    @classmethod
    def from_config(cls, config: Mapping) -> "MailSettings":
        """Settings from a Flask config (RING_NAME, RING_EMAIL, LANGUAGES, …, TIMEZONE)."""
        return cls(
            ring_name=config["RING_NAME"],
            ring_email=config["RING_EMAIL"],
            languages=tuple(config["LANGUAGES"]),
            default_locale=config["BABEL_DEFAULT_LOCALE"],
            zone=config["TIMEZONE"],
        )

    def locale_for(self, person) -> str:
        """The language to write to this person in: their profile's, else the ring's default."""
        locale = getattr(person, "locale", None)
        return locale if locale in self.languages else self.default_locale


def one_line(value: str) -> str:
    """A header value with line breaks folded to spaces, so no header can be injected."""
    return " ".join(str(value).split())


def domain_of(address: str | None) -> str:
    """The domain for the Message-IDs of mail sent from `address` (rota.invalid without one)."""
    return str(address or "").rpartition("@")[2] or "rota.invalid"


def message_id(domain: str) -> str:
    """A Message-ID nobody can predict (192 random bits): replies that name one join its thread."""
    return f"<{secrets.token_urlsafe(24)}@{domain}>"


def outbox_values(
    *,
    to,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict | None = None,
    kind: str = "notification",
    domain: str = "rota.invalid",
) -> dict:
    """The column values of one outgoing message; every header value folded to one line."""
    recipients = [one_line(address) for address in ([to] if isinstance(to, str) else to)]
    return {
        "message_id": message_id(domain),
        "kind": kind,
        "recipients": recipients,
        "subject": one_line(subject),
        "body_text": text,
        "body_html": html,
        "headers": {one_line(k): one_line(v) for k, v in (headers or {}).items()},
    }


def queue_mail(session: Session, **fields) -> OutboxMessage:
    """Add an outgoing message (fields as for outbox_values); flushed, sent after the commit."""
    message = OutboxMessage(**outbox_values(**fields))
    session.add(message)
    session.flush()
    return message


def remember(session: Session, outbox_id: int) -> None:
    """Note an outbox message queued in this transaction, to deliver right after the commit."""
    session.info.setdefault(PENDING, []).append(outbox_id)


def forget_pending(session: Session) -> None:
    """After a rollback: what this transaction queued was never stored."""
    session.info.pop(PENDING, None)


def deliver_pending(session: Session, mail, now: datetime, max_attempts: int) -> int:
    """After the commit: send what this transaction queued (failures stay queued for retry)."""
    ids = session.info.pop(PENDING, [])
    if not ids:
        return 0
    return deliver(session, mail, now, ids=ids, max_attempts=max_attempts)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(session: Session, message_ids: list[int], now: datetime) -> list[int]:
    """Mark queued messages as being sent (one UPDATE, one commit); the ids this sender got."""
    claimed = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.SENDING, claimed_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(claimed)


def _as_flask_mail(row) -> Message:
    message = Message(
        subject=row.subject,
        recipients=row.recipients,
        body=row.body_text,
        html=row.body_html,
        extra_headers=dict(row.headers),
    )
    message.msgId = row.message_id  # Flask-Mail writes its own Message-ID header: use ours
    return message


def _outcome(row_id: int, attempts: int, error, now: datetime, max_attempts: int) -> dict:
    """The row's new values after one try: sent, queued again after a back-off, or failed."""
    if error is None:
        return {"attempts": attempts, "status": OutboxStatus.SENT, "sent_at": now, "last_error": ""}
    last_error = f"{type(error).__name__}: {error}"[:2000]
    log.warning("outbox message %s not sent (attempt %s): %s", row_id, attempts, describe(error))
    values = {"attempts": attempts, "last_error": last_error, "status": OutboxStatus.FAILED}
    if attempts < max_attempts:
        values.update(status=OutboxStatus.QUEUED, next_attempt_at=now + backoff(attempts))
    return values


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


# What a send reads: the columns, not the objects, so each send's commit has nothing to expire.
_SENT_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.attempts,
    OutboxMessage.message_id,
    OutboxMessage.recipients,
    OutboxMessage.subject,
    OutboxMessage.body_text,
    OutboxMessage.body_html,
    OutboxMessage.headers,
)
# One statement for every send: the columns it sets are the keys of the values given with it.
_RECORD_OUTCOME = update(OutboxMessage.__table__).where(
    OutboxMessage.__table__.c.id == bindparam("row_id")
)


class _SmtpSession:
    """One SMTP connection for a run of sends: opened at the first, anew after a failure.

    A batch of acknowledgements then costs one connection (and TLS handshake and login), not
    one each; after a refusal or a dropped connection the next message gets a fresh one.
    """

    def __init__(self, mail) -> None:
        self.mail = mail
        self.connection = None
        self._stack = ExitStack()

    def __enter__(self) -> "_SmtpSession":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, message: Message) -> Exception | None:
        """Send one message; the error when the server refused it or could not be reached."""
        try:
            if self.connection is None:
                self.connection = self._stack.enter_context(self.mail.connect())
            self.connection.send(message)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            return exc
        return None

    def close(self) -> None:
        """End the connection (one that is already broken ends quietly)."""
        self.connection = None
        with suppress(smtplib.SMTPException, OSError):
            self._stack.close()


def _send_claimed(session: Session, mail, claimed: list[int], now, max_attempts: int) -> int:
    """Send claimed messages one by one over one SMTP connection, committing each one's outcome
    right after its send."""
    rows = session.execute(select(*_SENT_COLUMNS).where(OutboxMessage.id.in_(claimed)))
    outgoing = sorted((row.id, row.attempts, _as_flask_mail(row)) for row in rows)
    sent = 0
    with _SmtpSession(mail) as smtp:
        for row_id, attempts, message in outgoing:
            error = smtp.send(message)
            values = _outcome(row_id, attempts + 1, error, now, max_attempts)
            session.connection().execute(_RECORD_OUTCOME, {"row_id": row_id, **values})
            session.commit()
            sent += error is None
    return sent


def deliver(session: Session, mail, now: datetime, *, ids=None, max_attempts: int = 12) -> int:
    """Send due queued messages (or just `ids`); claims CLAIM_BATCH at a time, commits per send."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
    )
    if ids is not None:
        query = select(OutboxMessage.id).where(OutboxMessage.id.in_(list(ids)))
    due = session.scalars(query.order_by(OutboxMessage.id)).all()
    sent = 0
    for start in range(0, len(due), CLAIM_BATCH):
        if claimed := _claim(session, due[start : start + CLAIM_BATCH], now):
            sent += _send_claimed(session, mail, claimed, now, max_attempts)
    return sent
