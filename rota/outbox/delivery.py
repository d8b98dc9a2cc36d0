"""Send queued mail after the commit: claims, one SMTP connection per run, retries with back-off,
and crash recovery.

A run claims the rows it sends with a token and a short expiry that it renews as it goes on, so
the claims of a sender that died (a killed scheduler or web worker) lapse within seconds and the
next outbox run (every minute, and at each scheduler start) sends those rows again. Each
outcome is recorded only while the run still holds its claim: a message is sent once.
"""

import logging
import smtplib
import time
import uuid
from collections.abc import Mapping
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_mail import Message
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from rota.logs import describe
from rota.ops.metrics import OUTBOX_SENDS
from rota.outbox.models import OutboxMessage, OutboxStatus
from rota.outbox.service import PENDING

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
CLAIM_BATCH = 100  # messages claimed in one commit; a sender dying mid-batch frees them later


@dataclass(frozen=True)
class DeliverySettings:
    """How mail is sent: tries before a message fails, and how long a sender's claim on the
    rows it sends lasts unless renewed (after that, the sender is taken for dead)."""

    max_attempts: int = 12
    claim_ttl: timedelta = timedelta(seconds=30)

    @classmethod
    def from_config(cls, config: Mapping) -> "DeliverySettings":
        """Settings from a Flask config (OUTBOX_MAX_ATTEMPTS, OUTBOX_CLAIM_SECONDS)."""
        return cls(
            max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]),
            claim_ttl=timedelta(seconds=float(config["OUTBOX_CLAIM_SECONDS"])),
        )


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class _Claim:
    """One run's hold on the rows it claimed: a token, and an expiry renewed as the run goes on.

    The run's clock is its `now` plus the time elapsed since it started, so a long run renews
    into the future and a run with a given `now` (tests, the scheduler) stays consistent.
    """

    def __init__(self, now: datetime, ttl: timedelta) -> None:
        self.token, self.now, self.ttl = uuid.uuid4().hex, now, ttl
        self._started = self._renewed = time.monotonic()

    def expires_at(self) -> datetime:
        """When the claim lapses unless renewed: the run's clock plus the time to live."""
        return self.now + timedelta(seconds=time.monotonic() - self._started) + self.ttl

    def renew(self, session: Session) -> None:
        """Push the expiry of the rows still being sent further out, once a third has passed."""
        if time.monotonic() - self._renewed < self.ttl.total_seconds() / 3:
            return
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_by == self.token)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
            .values(claim_expires_at=self.expires_at())
            .execution_options(synchronize_session=False)
        )
        session.commit()
        self._renewed = time.monotonic()


def _claim(session: Session, message_ids: list[int], claim: _Claim) -> list[int]:
    """Mark queued messages as being sent (one UPDATE, one commit); the ids this sender got."""
    claimed = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.QUEUED)
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=claim.now,
            claimed_by=claim.token,
            claim_expires_at=claim.expires_at(),
        )
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
    values = {"attempts": attempts, "claimed_by": None, "claim_expires_at": None}
    if error is None:
        return {**values, "status": OutboxStatus.SENT, "sent_at": now, "last_error": ""}
    # The server's reply may name the recipient: the log gets the kind of error, the row all of it.
    log.warning("outbox message %s not sent (attempt %s): %s", row_id, attempts, describe(error))
    values.update(last_error=f"{type(error).__name__}: {error}"[:2000], status=OutboxStatus.FAILED)
    if attempts < max_attempts:
        values.update(status=OutboxStatus.QUEUED, next_attempt_at=now + backoff(attempts))
    return values


def release_stale_claims(session: Session, now: datetime) -> int:
    """Put back messages whose sender stopped renewing its claim (it died), to be sent again."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING)
        .where(or_(OutboxMessage.claim_expires_at < now, OutboxMessage.claim_expires_at.is_(None)))
        .values(status=OutboxStatus.QUEUED, claimed_by=None, claim_expires_at=None)
    )
    session.commit()
    if result.rowcount:
        log.warning(
            "outbox: %s messages of a sender that stopped are queued again", result.rowcount
        )
    return result.rowcount


_SEND_OUTCOMES = {
    OutboxStatus.SENT: "sent",
    OutboxStatus.QUEUED: "retry",
    OutboxStatus.FAILED: "failed",
}
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
_OUTBOX = OutboxMessage.__table__
_RECORD_OUTCOME = update(_OUTBOX).where(
    _OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.claimed_by == bindparam("token")
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


def _send_claimed(
    session: Session, mail, claimed: list[int], claim: _Claim, max_attempts: int
) -> int:
    """Send claimed messages one by one over one SMTP connection, committing each one's outcome
    right after its send and renewing the claim on the rest as time goes by."""
    rows = session.execute(select(*_SENT_COLUMNS).where(OutboxMessage.id.in_(claimed)))
    outgoing = sorted((row.id, row.attempts, _as_flask_mail(row)) for row in rows)
    sent = 0
    with _SmtpSession(mail) as smtp:
        for row_id, attempts, message in outgoing:
            claim.renew(session)
            error = smtp.send(message)
            values = _outcome(row_id, attempts + 1, error, claim.now, max_attempts)
            params = {"row_id": row_id, "token": claim.token, **values}
            # through the session: its hot answers (a contact page's delivery states) hear of it
            if session.execute(_RECORD_OUTCOME, params).rowcount != 1:
                log.error("outbox message %s: claim lost while sending (sender too slow)", row_id)
            session.commit()
            OUTBOX_SENDS.labels(_SEND_OUTCOMES[values["status"]]).inc()
            sent += error is None
    return sent


def deliver(
    session: Session,
    mail,
    now: datetime,
    *,
    ids=None,
    settings: DeliverySettings = DeliverySettings(),
) -> int:
    """Send due queued messages (or just `ids`); claims CLAIM_BATCH at a time, commits per send."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
    )
    if ids is not None:
        query = select(OutboxMessage.id).where(OutboxMessage.id.in_(list(ids)))
    due = session.scalars(query.order_by(OutboxMessage.id)).all()
    sent, claim = 0, _Claim(now, settings.claim_ttl)
    for start in range(0, len(due), CLAIM_BATCH):
        if claimed := _claim(session, due[start : start + CLAIM_BATCH], claim):
            sent += _send_claimed(session, mail, claimed, claim, settings.max_attempts)
    return sent


def deliver_pending(session: Session, mail, now: datetime, settings: DeliverySettings) -> int:
    """After the commit: send what this transaction queued (failures stay queued for retry)."""
    ids = session.info.pop(PENDING, [])
    if not ids:
        return 0
    return deliver(session, mail, now, ids=ids, settings=settings)
