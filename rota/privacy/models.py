"""Privacy records: who read which contact or part, retention runs, and a client's requests."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.db import UTCDateTime, utcnow
from rota.extensions import db
from rota.members.models import User


class ReadEntry(db.Model):
    """One opening of a contact page or one of its stored parts by a signed-in person."""

    __tablename__ = "read_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    attachment_id: Mapped[int | None] = mapped_column(Integer)  # the part; it may be purged since

    user: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_read_log_contact_id_at", "contact_id", "at"),
        Index("ix_read_log_user_id_at", "user_id", "at"),
    )


class RetentionRun(db.Model):
    """One run of the retention job: when, and how many records of each class it cleared."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # data class -> records cleared


class RequestKind(enum.StrEnum):
    """What was done with one client's data."""

    EXPORT = "export"
    ERASE = "erase"


class ClientRequest(db.Model):
    """That a client's data was exported or erased: when, by whom, why, how much — never whose."""

    __tablename__ = "client_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(Enum(RequestKind, native_enum=False, length=10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    named_by: Mapped[str] = mapped_column(String(20))  # what named the client: email, phone or both
    reason: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # what kinds of records, how many
    via: Mapped[str] = mapped_column(String(10), default="web")  # web | cli

    actor: Mapped[User | None] = relationship()
