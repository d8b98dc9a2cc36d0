"""Signing in and asking for reset mail, guarded against guessing and mail bombing.

Attempts are counted per account (the address typed, known or not, so the answer reveals
nothing) and per client address, in the database (rota.auth.throttle), so every web worker
sees the same counts. A right password takes its attempt back.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from rota.auth import throttle
from rota.auth.throttle import Limit
from rota.errors import DomainError
from rota.members import people


class TooManyAttempts(DomainError):
    """Refused without looking: too many attempts in the window; the message says how long."""


@dataclass(frozen=True)
class Guard:
    """The limits of sign-ins per account and per client, and of reset mails."""

    account: Limit
    client: Limit
    reset_address: Limit
    reset_client: Limit

    @classmethod
    def from_config(cls, config) -> "Guard":
        """The limits from the settings."""
        sign_in = timedelta(seconds=config["SIGN_IN_WINDOW"])
        reset = timedelta(seconds=config["RESET_MAIL_WINDOW"])
        return cls(
            Limit("sign-in/account", config["SIGN_IN_MAX_PER_ACCOUNT"], sign_in),
            Limit("sign-in/client", config["SIGN_IN_MAX_PER_CLIENT"], sign_in),
            Limit("reset/address", config["RESET_MAIL_MAX_PER_ADDRESS"], reset),
            Limit("reset/client", config["RESET_MAIL_MAX_PER_CLIENT"], reset),
        )


def _over(session: Session, now: datetime, *counted: tuple[Limit, str]) -> bool:
    """Count an attempt against every (limit, subject) (all of them, always); whether any
    limit is exceeded."""
    results = [throttle.exceeded(session, limit, subject, now) for limit, subject in counted]
    return any(results)


def sign_in(session: Session, email: str, password: str, client: str, now: datetime, guard):
    """The active person with this address and password, else None; TooManyAttempts when the
    account or the client has had too many tries. The caller commits in every case."""
    if _over(session, now, (guard.account, email), (guard.client, client)):
        minutes = int(guard.account.window.total_seconds() // 60)
        raise TooManyAttempts(
            _l(
                "Too many sign-in attempts. Wait %(minutes)d minutes and try again, "
                "or reset your password.",
                minutes=minutes,
            )
        )
    user = people.find_by_email(session, email)
    if not people.check_password(user, password):
        return None
    throttle.forget(session, guard.account, email)
    throttle.uncount(session, guard.client, client)
    return user


def may_send_reset(session: Session, email: str, client: str, now: datetime, guard) -> bool:
    """Whether another reset mail may go to this address (and from this client) now."""
    return not _over(session, now, (guard.reset_address, email), (guard.reset_client, client))
