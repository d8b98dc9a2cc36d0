"""Client feedback (optional, FEEDBACK_MAIL): after a contact is closed its client gets one mail
with a single-use link that expires; the answer (a rating 1–5 and a comment) is stored and
counted in the service report. No login: the link's secret is the client's key."""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from rota.contacts.models import Contact, ContactStatus
from rota.errors import DomainError, NotFound
from rota.i18n import writing_in
from rota.outbox.service import MailSettings, domain_of, queue_mail
from rota.reports.models import FeedbackRequest

RATINGS = range(1, 6)


@dataclass(frozen=True)
class FeedbackSettings:
    """Whether clients are asked (FEEDBACK_MAIL), how long a link works (FEEDBACK_DAYS), and
    the ring as the writer of the mail."""

    enabled: bool
    days: int
    mail: MailSettings

    @classmethod
    def from_config(cls, config) -> "FeedbackSettings":
        return cls(
            bool(config["FEEDBACK_MAIL"]),
            int(config["FEEDBACK_DAYS"]),
            MailSettings.from_config(config),
        )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _waiting(now: datetime, days: int):
    """Closed contacts of the last `days` with a client address and no feedback mail yet."""
    asked = exists().where(FeedbackRequest.contact_id == Contact.id)
    return select(Contact).where(
        Contact.status == ContactStatus.CLOSED,
        Contact.closed_at >= now - timedelta(days=days),
        Contact.client_email != "",
        Contact.merged_into_id.is_(None),
        ~asked,
    )


def request_feedback(
    session: Session, now: datetime, settings: FeedbackSettings, link: Callable[[str], str]
) -> list[int]:
    """Queue one feedback mail per closed contact not asked yet (in its client's language);
    returns the outbox ids. Off unless the ring asks for feedback."""
    if not settings.enabled:
        return []
    ids = []
    for contact in session.scalars(_waiting(now, settings.days)):
        secret = secrets.token_urlsafe(24)
        language = contact.language if contact.language in settings.mail.languages else None
        language = language or settings.mail.default_locale
        expires = now + timedelta(days=settings.days)
        session.add(
            FeedbackRequest(
                contact_id=contact.id,
                token_hash=_hash(secret),
                language=language,
                sent_at=now,
                expires_at=expires,
            )
        )
        with writing_in(language):
            text = render_template(
                "reports/feedback_mail.txt",
                link=link(secret),
                ring=settings.mail.ring_name,
                days=settings.days,
            )
            subject = str(_l("How did we do? %(ring)s", ring=settings.mail.ring_name))
        domain = domain_of(settings.mail.ring_email)
        ids.append(
            queue_mail(
                session,
                to=contact.client_email,
                subject=subject,
                text=text,
                kind="feedback",
                domain=domain,
            ).id
        )
    session.flush()
    return ids


def find_request(session: Session, secret: str) -> FeedbackRequest:
    """The request behind a link, or NotFound."""
    found = session.scalar(
        select(FeedbackRequest).where(FeedbackRequest.token_hash == _hash(secret))
    )
    if found is None:
        raise NotFound(_l("This feedback link is not valid."))
    return found


def open_problem(request: FeedbackRequest, now: datetime):
    """Why the link can no longer be answered (answered already, expired), or None."""
    if request.answered_at is not None:
        return _l("Thank you: your answer has been received. The link works only once.")
    if now >= request.expires_at:
        return _l("This feedback link has expired. Thank you all the same.")
    return None


def answer(
    session: Session, secret: str, now: datetime, rating: int, comment: str
) -> FeedbackRequest:
    """Store the client's answer once, while the link works."""
    request = find_request(session, secret)
    problem = open_problem(request, now)
    if problem is not None:
        raise DomainError(problem)
    if rating not in RATINGS:
        raise DomainError(_l("Choose a rating from 1 to 5."), field="rating")
    request.rating, request.comment, request.answered_at = rating, comment.strip(), now
    session.flush()
    return request
