"""Use cases of a person's own account: a new password (after a reset link, or from the
profile with the current one) and a new sign-in address.

A new password ends the person's other sign-in sessions; each change is told to the person by
mail (rota.auth.notices), so that a change made by someone else is seen.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from rota.auth import notices, sessions
from rota.auth.models import LoginSession
from rota.errors import DomainError
from rota.members import people
from rota.members.models import User
from rota.outbox.service import MailSettings


def reset_password(
    session: Session,
    user: User,
    password: str,
    *,
    now: datetime,
    limits: sessions.Limits,
    settings: MailSettings,
) -> User:
    """After a reset link: the new password; every browser signed in as the person is out."""
    people.set_password(user, password)
    sessions.end_all(session, user, now, limits)
    notices.password_changed(session, user, settings)
    return user


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    keep: LoginSession,
    now: datetime,
    limits: sessions.Limits,
    settings: MailSettings,
) -> str:
    """From the profile, with the current password: every other browser is signed out, and
    this one's session (`keep`) gets a new secret, which is returned for its cookies."""
    if not people.check_password(user, current):
        raise DomainError(
            _l("The current password is wrong. Type it again, or sign out and reset it."),
            "current_password",
        )
    people.set_password(user, new)
    sessions.end_all(session, user, now, limits, keep=keep)
    notices.password_changed(session, user, settings)
    return sessions.rotate(session, keep)


def update_profile(
    session: Session, user: User, *, settings: MailSettings, region: str, **fields
) -> User:
    """The person's own profile (people.update_profile); a changed sign-in address is told to
    the old one."""
    old = people.update_profile(session, user, region=region, **fields)
    if old is not None:
        notices.email_changed(session, user, old, settings)
    return user
