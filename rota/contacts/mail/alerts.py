"""The shared mailbox's health: last check, last error, and one alert to the coordinators."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.contacts.models import MailboxState
from rota.i18n import writing_in
from rota.members.models import Role, User
from rota.outbox.service import domain_of, queue_mail

log = logging.getLogger(__name__)


# The start of a stored poll error ("ExceptionName: text") -> the reason a coordinator reads;
# anything else the poll catches is a network or TLS failure (OSError, EOFError).
UNREACHABLE = _l("the mail server could not be reached")
REASONS = {
    "error": _l("the mail server refused the login or a command"),  # imaplib.IMAP4.error
    "abort": _l("the mail server broke off the connection"),
    "readonly": _l("the mail server opened the folder read-only"),
    "MailboxError": _l("the mail server refused a command or gave an answer we cannot use"),
    "SSLCertVerificationError": _l("the mail server's certificate was not accepted"),
}


def failure_reason(error: str | None) -> str:
    """A stored poll error as a reason a person understands, never the raw exception text."""
    kind = (error or "").partition(":")[0].strip()
    return str(REASONS.get(kind, UNREACHABLE))


def _state(session: Session, key: str) -> MailboxState:
    state = session.get(MailboxState, key)
    if state is None:  # never read yet: uidvalidity 0 means "unknown"
        state = MailboxState(mailbox=key, uidvalidity=0, last_uid=0, failures=0, last_error="")
        session.add(state)
    return state


def record_success(session: Session, key: str, now: datetime) -> None:
    """The mailbox was read: clear the failure count, so a later outage alerts again."""
    state = _state(session, key)
    state.failures, state.last_error, state.alerted_at, state.checked_at = 0, "", None, now


def record_failure(
    session: Session, key: str, config: Mapping, now: datetime, error: str
) -> list[int]:
    """Count a failed poll; at the threshold queue one alert (not one a minute). Outbox ids."""
    state = _state(session, key)
    state.failures = (state.failures or 0) + 1
    state.last_error, state.checked_at = error, now
    if state.failures < int(config["IMAP_ALERT_AFTER"]) or state.alerted_at is not None:
        return []
    state.alerted_at = now
    return [mail.id for mail in _alert(session, key, config, state)]


def _alert(session: Session, key: str, config: Mapping, state: MailboxState) -> list:
    """Queue the alert to every active coordinator, in the ring's default language."""
    coordinators = session.scalars(
        select(User.email).where(User.role == Role.COORDINATOR, User.active.is_(True))
    ).all()
    if not coordinators:
        log.error("shared mailbox %s failing and no coordinator to alert", key)
        return []
    with writing_in(config.get("BABEL_DEFAULT_LOCALE") or "fi"):
        subject = _("The shared mailbox cannot be read")
        text = _(
            "The shared mailbox %(mailbox)s could not be read %(count)s times in a row.\n\n"
            "Last error: %(error)s\n\n"
            "New client e-mail is not reaching the counsellors until this is fixed. Check the "
            "mail server and the IMAP settings. You get this message once; it is sent again "
            "only after the mailbox has been read successfully and fails again.",
            mailbox=key,
            count=state.failures,
            error=f"{failure_reason(state.last_error)} ({state.last_error})",
        )
    return [
        queue_mail(
            session,
            to=address,
            subject=subject,
            text=text,
            kind="alert",
            domain=domain_of(config.get("RING_EMAIL")),
        )
        for address in coordinators
    ]
