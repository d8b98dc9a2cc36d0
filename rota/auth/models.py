"""API tokens: the one way machines (feeds, telephony, integrations) talk to the ring."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.db import UTCDateTime, utcnow
from rota.extensions import db
from rota.members.models import Organisation, User

SCOPES = (
    "shifts:read",
    "on-duty:read",
    "contacts:read",
    "telephony:write",
    "feeds:read",
)


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
    def owner_label(self) -> str:
        if self.user is not None:
            return self.user.name
        if self.organisation is not None:
            return self.organisation.name
        return ""
