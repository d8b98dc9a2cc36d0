"""Notification e-mail about contacts: queued with the change, delivered after the commit."""

import logging
from datetime import datetime

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from rota.contacts.models import Contact
from rota.extensions import mail
from rota.i18n import recipient_locale
from rota.members.models import Organisation, User
from rota.outbox.service import deliver, queue_mail

log = logging.getLogger(__name__)

PENDING = "rota.contacts.outbox_ids"


def remember(session: Session, outbox_id: int) -> None:
    """Note an outbox message queued in this transaction, to deliver right after the commit."""
    session.info.setdefault(PENDING, []).append(outbox_id)


def deliver_pending(session: Session, now: datetime) -> int:
    """After the commit: send what this transaction queued (failures stay queued for retry)."""
    ids = session.info.pop(PENDING, [])
    if not ids:
        return 0
    return deliver(
        session, mail, now, ids=ids, max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"]
    )


def contact_link(contact: Contact) -> str:
    """The contact page's address (absolute when the server name is known)."""
    try:
        return url_for("contacts.show", contact_id=contact.id, _external=True)
    except RuntimeError:
        return f"/contacts/{contact.id}"


def mail_domain() -> str:
    """The domain of the ring's address, for Message-IDs."""
    return current_app.config["RING_EMAIL"].rpartition("@")[2] or "rota.invalid"


def _recipient(session: Session, contact: Contact) -> tuple[str, str] | None:
    """(address, language) of whoever should hear of the contact: its owner, else the org."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    owner = session.get(User, contact.owner_id) if contact.owner_id else None
    if owner is not None and owner.active:
        return owner.email, recipient_locale(owner)
    org = session.get(Organisation, contact.organisation_id) if contact.organisation_id else None
    if org is not None and org.email:
        return org.email, default
    return None


def new_contact(session: Session, contact: Contact, *, reopened: bool = False) -> None:
    """Tell the counsellor on duty (in their language) of a new or reopened contact."""
    recipient = _recipient(session, contact)
    if recipient is None:
        return
    address, language = recipient
    with force_locale(language):
        subject = (
            _("Contact %(ref)s reopened", ref=contact.reference or contact.id)
            if reopened
            else _("New contact %(ref)s in your queue", ref=contact.reference or contact.id)
        )
        text = render_template(
            "contacts/notify_contact.txt",
            contact=contact,
            link=contact_link(contact),
            reopened=reopened,
        )
    ring = current_app.config["RING_NAME"]
    message = queue_mail(
        session,
        to=address,
        subject=f"[{ring}] {subject}",
        text=text,
        kind="contact_notification",
        domain=mail_domain(),
    )
    remember(session, message.id)
    log.info("contact %s: notification queued (outbox %s)", contact.id, message.id)
