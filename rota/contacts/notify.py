"""Notification e-mail about contacts: queued with the change, delivered after the commit."""

import logging
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from rota.contacts.models import Contact
from rota.extensions import mail
from rota.i18n import recipient_locale
from rota.members.models import Organisation, User
from rota.outbox.service import deliver, delivery_options, domain_of, queue_mail

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
    return deliver(session, mail, now, ids=ids, **delivery_options(current_app.config))


def contact_link(contact: Contact) -> str:
    """The contact page's address (absolute when the server name is known)."""
    try:
        return url_for("contacts.show", contact_id=contact.id, _external=True)
    except RuntimeError:
        return f"/contacts/{contact.id}"


def _recipient(session: Session, contact) -> tuple[str, str] | None:
    """(address, language) of whoever should hear of the contact: its owner, else the org."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    owner = session.get(User, contact.owner_id) if contact.owner_id else None
    if owner is not None and owner.active:
        return owner.email, recipient_locale(owner)
    org = session.get(Organisation, contact.organisation_id) if contact.organisation_id else None
    if org is not None and org.email:
        return org.email, default
    return None


def _notice_texts(contact, language: str, reopened: bool) -> tuple[str, str]:
    """Subject and text of a notice in `language`, with {reference} and {link} placeholders."""
    stand_in = SimpleNamespace(
        reference="{reference}", channel=contact.channel, received_at=contact.received_at
    )
    with force_locale(language):
        subject = (
            _("Contact %(ref)s reopened", ref=stand_in.reference)
            if reopened
            else _("New contact %(ref)s in your queue", ref=stand_in.reference)
        )
        text = render_template(
            "contacts/notify_contact.txt", contact=stand_in, link="{link}", reopened=reopened
        )
    return f"[{current_app.config['RING_NAME']}] {subject}", text


def notice_mail(
    session: Session, contact, *, reopened: bool = False, batch: dict | None = None
) -> dict | None:
    """The notice of a new or reopened contact (queue_mail fields); None: nobody to tell.

    `batch` (a dict kept for one ingest batch) remembers who hears of whose contacts and the
    texts in each language, which are rendered once and then given each contact's reference.
    """
    batch = {} if batch is None else batch
    key = (contact.owner_id, contact.organisation_id)
    if key not in batch:
        batch[key] = _recipient(session, contact)
    if batch[key] is None:
        return None
    address, language = batch[key]
    key = (language, reopened, contact.channel, contact.received_at)
    if key not in batch:
        batch[key] = _notice_texts(contact, language, reopened)
    reference = str(contact.reference or contact.id)
    subject, text = (part.replace("{reference}", reference) for part in batch[key])
    return {
        "to": address,
        "subject": subject,
        "text": text.replace("{link}", contact_link(contact)),
        "kind": "contact_notification",
        "domain": domain_of(current_app.config["RING_EMAIL"]),
    }


def new_contact(session: Session, contact: Contact) -> None:
    """Tell the counsellor on duty (in their language) of a new contact."""
    fields = notice_mail(session, contact)
    if fields is None:
        return
    message = queue_mail(session, **fields)
    remember(session, message.id)
    log.info("contact %s: notification queued (outbox %s)", contact.id, message.id)
