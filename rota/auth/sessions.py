"""Sign-in sessions kept on the server: start, find the live one, touch, rotate, end.

The browser holds a random secret (in the signed session cookie, and in the remember cookie
when the person asked to stay signed in); the database holds only its SHA-256. A session ends
when it is idle too long or too old (two limits, longer for remembered browsers), at sign-out,
and for every browser of a person whose password changes.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.orm import Session, joinedload

from rota.auth.models import LoginSession
from rota.auth.tokens import hash_secret
from rota.members.models import User

# last_seen_at is written at most this often, so that browsing does not write on every page
TOUCH_INTERVAL = timedelta(minutes=1)
# every signed-in request asks: one statement, built once, as SQLAlchemy keeps a statement's
# cache key on it (building it and its key again cost a third of the lookup's CPU)
_LIVE = (
    select(LoginSession)
    .where(LoginSession.key_hash == bindparam("key_hash"))
    .options(joinedload(LoginSession.user).joinedload(User.organisation))
)


@dataclass(frozen=True)
class Limits:
    """How long a session may stay idle and live at all, for plain and remembered sign-ins."""

    idle: timedelta
    lifetime: timedelta
    remember_idle: timedelta
    remember_lifetime: timedelta

    @classmethod
    def from_config(cls, config) -> "Limits":
        """The limits from the settings (seconds)."""
        keys = ("SESSION_IDLE_TIMEOUT", "SESSION_LIFETIME")
        keys += ("REMEMBER_IDLE_TIMEOUT", "REMEMBER_COOKIE_DURATION")
        return cls(*(timedelta(seconds=config[key]) for key in keys))

    def alive(self, row: LoginSession, now: datetime) -> bool:
        """Whether the session is neither idle too long nor too old."""
        idle, lifetime = (
            (self.remember_idle, self.remember_lifetime)
            if row.remember
            else (self.idle, self.lifetime)
        )
        return now - row.last_seen_at < idle and now - row.created_at < lifetime


def start(session: Session, user: User, now: datetime, remember: bool):
    """A new session for the person: the row, and the secret for their cookies."""
    secret = secrets.token_urlsafe(32)
    row = LoginSession(
        key_hash=hash_secret(secret),
        user_id=user.id,
        remember=remember,
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return row, secret


def find_live(session: Session, secret: str, now: datetime, limits: Limits):
    """The live session of an active person this secret belongs to, or None, the person's
    organisation with it (pages name it)."""
    row = session.scalar(_LIVE, {"key_hash": hash_secret(secret)})
    if row is None or not row.user.active or not limits.alive(row, now):
        return None
    return row


def touch(row: LoginSession, now: datetime) -> bool:
    """Record activity (at most once a TOUCH_INTERVAL); whether anything changed."""
    if now - row.last_seen_at < TOUCH_INTERVAL:
        return False
    row.last_seen_at = now
    return True


def rotate(session: Session, row: LoginSession) -> str:
    """Give the session a new secret (the old one stops working); returns it."""
    secret = secrets.token_urlsafe(32)
    row.key_hash = hash_secret(secret)
    session.flush()
    return secret


def end(session: Session, row: LoginSession | None) -> None:
    """End one session (signing out)."""
    if row is not None:
        session.delete(row)
        session.flush()


def end_all(session: Session, user: User, now: datetime, limits: Limits, keep=None) -> None:
    """End every session of the person but `keep` (a password change), and forget ones that
    have expired anyway."""
    horizon = now - max(limits.lifetime, limits.remember_lifetime)
    query = delete(LoginSession).where(
        or_(LoginSession.user_id == user.id, LoginSession.created_at < horizon)
    )
    if keep is not None:
        query = query.where(LoginSession.id != keep.id)
    session.execute(query.execution_options(synchronize_session=False))
    session.flush()
