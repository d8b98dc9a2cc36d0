"""Queue mail in the caller's transaction; rota.outbox.delivery sends it after the commit."""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rota.outbox.models import OutboxMessage

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


def queue_notice(
    session: Session,
    settings: MailSettings,
    *,
    to: str,
    subject: str,
    text: str,
    kind: str,
    after_commit: bool = True,
) -> OutboxMessage:
    """A notice from the ring to one person (Message-ID in the ring's domain), delivered right
    after the commit (`after_commit`) or by whoever sends the returned message's id."""
    message = queue_mail(
        session, to=to, subject=subject, text=text, kind=kind, domain=domain_of(settings.ring_email)
    )
    if after_commit:
        remember(session, message.id)
    return message


def remember(session: Session, outbox_id: int) -> None:
    """Note an outbox message queued in this transaction, to deliver right after the commit."""
    session.info.setdefault(PENDING, []).append(outbox_id)


def forget_pending(session: Session) -> None:
    """After a rollback: what this transaction queued was never stored."""
    session.info.pop(PENDING, None)
