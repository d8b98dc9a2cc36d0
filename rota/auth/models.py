"""API tokens: the one way machines (feeds, telephony, integrations) talk to the ring."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.auth import policy
from rota.db import UTCDateTime, utcnow
from rota.extensions import db
from rota.members.models import Organisation, User


class ApiToken(db.Model):
    """A named, scoped, revocable secret; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def holder(self) -> policy.TokenHolder:
        """Whom the token speaks for, as the policy sees it."""
        return policy.TokenHolder(self.user, self.organisation_id)

    @property
    def usable_scopes(self) -> frozenset[str]:
        """The scopes it may use now: its holder's state and role decide (policy.usable_scopes)."""
        return policy.usable_scopes(self.holder, self.scope_list)

    @property
    def owner_label(self) -> str:
        if self.user is not None:
            return self.user.name
        if self.organisation is not None:
            return self.organisation.name
        return ""


class LoginSession(db.Model):
    """One signed-in browser. Its cookies carry a secret whose SHA-256 is kept here, so that
    signing out, a password change and the time limits end the session on the server."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class AttemptCounter(db.Model):
    """Attempts of one kind by one subject (an account, a client address, a mailbox) in a
    fixed window, counted in the database so that every web worker sees the same number."""

    __tablename__ = "attempt_counters"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
