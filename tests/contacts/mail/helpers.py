"""Helpers for the mailbox ingest tests: build messages, point the app at a test mailbox."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import func, select

from rota.contacts.models import Contact, Message, MessageDirection, RawMessage, RawStatus
from rota.extensions import db

RING_EMAIL = "neuvonta@ohjaamo.example"
NOW = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday 11:00 in Helsinki


def mail(
    n: int = 1,
    *,
    sender: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    message_id: str | None = "auto",
    date: datetime | None = None,
    headers: dict | None = None,
) -> bytes:
    """One plain-text e-mail to the ring as raw bytes."""
    msg = EmailMessage()
    msg["From"] = f"Asiakas {n} <{sender or f'asiakas{n}@example.fi'}>"
    msg["To"] = RING_EMAIL
    msg["Subject"] = subject if subject is not None else f"Kysymys numero {n}"
    msg["Date"] = format_datetime(date or NOW - timedelta(minutes=n))
    if message_id == "auto":
        message_id = f"<m{n}@example.fi>"
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body or f"Hei, minulla on kysymys {n} ja haluaisin että joku vastaa.\n")
    return msg.as_bytes()


def store(*raws, size=None) -> list[int]:
    """Raw rows as the mailbox job stores them, pending, after those stored before; their ids."""
    start = db.session.scalar(select(func.max(RawMessage.uid))) or 0
    rows = [
        RawMessage(
            mailbox="test",
            uidvalidity=1,
            uid=uid,
            message_id="",
            digest="",
            size=size or len(raw),
            data=raw,
            fetched_at=NOW,
        )
        for uid, raw in enumerate(raws, start=start + 1)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def imap_config(box, **overrides) -> dict:
    """Configuration that points the app at a test mailbox (plain IMAP on loopback)."""
    config = {
        "IMAP_HOST": box.host,
        "IMAP_PORT": box.port,
        "IMAP_SECURITY": "none",
        "IMAP_USER": box.user,
        "IMAP_PASSWORD": box.password,
        "IMAP_TIMEOUT": 10,
        "RING_EMAIL": RING_EMAIL,
    }
    config.update(overrides)
    return config


def send_mail_to(app_config: dict, sink) -> dict:
    """Configuration that makes the app send its mail to the test SMTP server."""
    app_config.update(MAIL_PORT=sink.port, MAIL_SUPPRESS_SEND=False)  # TESTING suppresses it
    return app_config


def count(model, *where) -> int:
    """Rows of a model matching the conditions."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def statuses() -> dict:
    """Raw rows by status."""
    rows = db.session.execute(select(RawMessage.status, func.count()).group_by(RawMessage.status))
    return {str(status): number for status, number in rows}


def assert_each_once(message_ids) -> None:
    """Every given Message-ID is stored exactly once as an incoming message."""
    for message_id in message_ids:
        stored = count(
            Message, Message.message_id == message_id, Message.direction == MessageDirection.IN
        )
        assert stored == 1, f"{message_id} stored {stored} times"
    assert count(RawMessage, RawMessage.status == RawStatus.PENDING) == 0


def contact_of(message_id: str) -> Contact:
    """The contact an incoming message was filed under."""
    return db.session.scalar(select(Contact).join(Message).where(Message.message_id == message_id))
