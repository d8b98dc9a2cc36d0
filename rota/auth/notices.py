"""Mail to a person about their own account: a reset link, a changed password or address.

Each message is queued in the transaction of the change, in the person's language, and noted
for delivery right after the commit (rota.forms.perform delivers it).
"""

from flask import render_template
from flask_babel import gettext as _

from rota.i18n import writing_in
from rota.outbox import service as outbox


def reset_link(session, user, link: str, settings: outbox.MailSettings):
    """The password reset link, to the person's address."""
    return _queue(session, settings, user, user.email, "reset", "auth/reset_mail.txt", link=link)


def password_changed(session, user, settings: outbox.MailSettings):
    """A note that the password changed, so that a change made by someone else is seen."""
    template = "auth/password_changed_mail.txt"
    return _queue(session, settings, user, user.email, "password_changed", template)


def email_changed(session, user, old_address: str, settings: outbox.MailSettings):
    """A note to the old address that the sign-in address changed."""
    template = "auth/email_changed_mail.txt"
    return _queue(session, settings, user, old_address, "email_changed", template)


_SUBJECTS = {
    "reset": lambda: _("Reset your password"),
    "password_changed": lambda: _("Your password was changed"),
    "email_changed": lambda: _("Your sign-in address was changed"),
}


def _queue(session, settings, user, to: str, kind: str, template: str, **context):
    with writing_in(settings.locale_for(user)):
        subject = _SUBJECTS[kind]()
        text = render_template(template, user=user, **context)
    domain = outbox.domain_of(settings.ring_email)
    message = outbox.queue_mail(
        session, to=to, subject=subject, text=text, kind=kind, domain=domain
    )
    outbox.remember(session, message.id)
    return message
