"""The facts of a contact worth reporting, and the ring's lists they are chosen from."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.db import UTCDateTime, utcnow
from rota.extensions import db
from rota.members.models import Organisation


class FactKind(enum.StrEnum):
    """The ring-configurable lists a contact's facts are chosen from."""

    TOPIC = "topic"
    MUNICIPALITY = "municipality"
    CLIENT_GROUP = "client_group"


class ContactOutcome(enum.StrEnum):
    """How a contact ended: answered here, referred to a member organisation, or elsewhere."""

    ANSWERED = "answered"
    REFERRED_MEMBER = "referred_member"
    REFERRED_ELSEWHERE = "referred_elsewhere"


class FactOption(db.Model):
    """One entry of a ring's list (a topic, a municipality, a client group); retired, not deleted,
    so the contacts that name it keep their facts."""

    __tablename__ = "fact_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FactKind] = mapped_column(Enum(FactKind, native_enum=False, length=20))
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (db.UniqueConstraint("kind", "label"),)


class ContactFacts(db.Model):
    """What a counsellor recorded about a contact for the reports (each fact optional)."""

    __tablename__ = "contact_facts"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("fact_options.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("fact_options.id"))
    client_group_id: Mapped[int | None] = mapped_column(ForeignKey("fact_options.id"))
    outcome: Mapped[ContactOutcome | None] = mapped_column(
        Enum(ContactOutcome, native_enum=False, length=20)
    )
    referred_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referred_organisation: Mapped[Organisation | None] = relationship()


class FeedbackRequest(db.Model):
    """The one feedback mail a client gets after their contact is closed, and their answer.

    The link's secret is stored only as its SHA-256 hash; it works once, until `expires_at`.
    """

    __tablename__ = "feedback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(2))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
