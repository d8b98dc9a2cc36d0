"""Notification e-mail about contacts: queued with the change, delivered after the commit."""

import logging
from types import SimpleNamespace

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from rota.contacts.models import Contact
from rota.i18n import writing_in
from rota.links import external_url
from rota.members.models import Organisation, User
from rota.outbox.service import MailSettings, domain_of, queue_mail, remember

log = logging.getLogger(__name__)


def contact_link(contact: Contact) -> str:
    """The contact page's address on BASE_URL."""
    return external_url("contacts.show", contact_id=contact.id)


def _recipient(session: Session, contact, settings: MailSettings) -> tuple[str, str] | None:
    """(address, language) of whoever should hear of the contact: its owner, else the org."""
    owner = session.get(User, contact.owner_id) if contact.owner_id else None
    if owner is not None and owner.active:
        return owner.email, settings.locale_for(owner)
    org = session.get(Organisation, contact.organisation_id) if contact.organisation_id else None
    if org is not None and org.email:
        return org.email, settings.default_locale
    return None


def _notice_texts(contact, language: str, reopened: bool, ring_name: str) -> tuple[str, str]:
    """Subject and text of a notice in `language`, with {reference} and {link} placeholders."""
    stand_in = SimpleNamespace(
        reference="{reference}", channel=contact.channel, received_at=contact.received_at
    )
    with writing_in(language):
        subject = (
            _("Contact %(ref)s reopened", ref=stand_in.reference)
            if reopened
            else _("New contact %(ref)s in your queue", ref=stand_in.reference)
        )
        text = render_template(
            "contacts/notify_contact.txt", contact=stand_in, link="{link}", reopened=reopened
        )
    return f"[{ring_name}] {subject}", text


def notice_mail(
    session: Session,
    contact,
    settings: MailSettings,
    *,
    reopened: bool = False,
    batch: dict | None = None,
) -> dict | None:
    """The notice of a new or reopened contact (queue_mail fields); None: nobody to tell.

    `batch` (a dict kept for one ingest batch) remembers who hears of whose contacts and the
    texts in each language, which are rendered once and then given each contact's reference.
    """
    batch = {} if batch is None else batch
    key = (contact.owner_id, contact.organisation_id)
    if key not in batch:
        batch[key] = _recipient(session, contact, settings)
    if batch[key] is None:
        return None
    address, language = batch[key]
    key = (language, reopened, contact.channel, contact.received_at)
    if key not in batch:
        batch[key] = _notice_texts(contact, language, reopened, settings.ring_name)
    reference = str(contact.reference or contact.id)
    subject, text = (part.replace("{reference}", reference) for part in batch[key])
    return {
        "to": address,
        "subject": subject,
        "text": text.replace("{link}", contact_link(contact)),
        "kind": "contact_notification",
        "domain": domain_of(settings.ring_email),
    }


def new_contact(session: Session, contact: Contact, settings: MailSettings) -> None:
    """Tell the counsellor on duty (in their language) of a new contact."""
    fields = notice_mail(session, contact, settings)
    if fields is None:
        return
    message = queue_mail(session, **fields)
    remember(session, message.id)
    log.info("contact %s: notification queued (outbox %s)", contact.id, message.id)
