"""Member organisations, memoranda (agreement versions and signatures) and people."""

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, Enum, ForeignKey, Numeric, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.db import UTCDateTime, utcnow
from rota.extensions import db
from rota.members.roles import Role


class Organisation(db.Model):
    """A member organisation of the ring."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    colour: Mapped[str] = mapped_column(String(7), default="#1f6f8b")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    people: Mapped[list["User"]] = relationship(back_populates="organisation")
    signatures: Mapped[list["Signature"]] = relationship(
        back_populates="organisation", order_by="Signature.valid_from"
    )

    def __str__(self):
        return self.name


class Agreement(db.Model):
    """A version of the memorandum of cooperation text."""

    __tablename__ = "agreement_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    version_label: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    effective_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signatures: Mapped[list["Signature"]] = relationship(back_populates="agreement")

    __table_args__ = (db.UniqueConstraint("title", "version_label"),)

    def __str__(self):
        return f"{self.title} {self.version_label}"


class CommitmentUnit(enum.StrEnum):
    """How an organisation's share of the rota is expressed."""

    HOURS = "hours"
    SHIFTS = "shifts"


class Signature(db.Model):
    """An organisation's signature of an agreement version; immutable once stored."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement_versions.id"))
    signed_on: Mapped[date] = mapped_column(Date)
    signed_by_name: Mapped[str] = mapped_column(String(200))
    signed_by_title: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    commitment_amount: Mapped[float] = mapped_column(Numeric(8, 2, asdecimal=False))
    commitment_unit: Mapped[CommitmentUnit] = mapped_column(
        Enum(CommitmentUnit, native_enum=False, length=20)
    )
    cost_terms: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    # what the organisation staffs, comma-separated; empty: its active people's languages,
    # every channel
    languages: Mapped[str] = mapped_column(String(40), default="")
    channels: Mapped[str] = mapped_column(String(40), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="signatures")
    agreement: Mapped[Agreement] = relationship(back_populates="signatures")
    supersedes: Mapped["Signature | None"] = relationship(remote_side=[id])

    WITHDRAWAL_FIELDS = frozenset({"withdrawn_on", "withdrawal_reason"})

    @property
    def language_list(self) -> list[str]:
        """The languages declared on the signature (empty: derived from its people)."""
        return [code for code in self.languages.split(",") if code]

    @property
    def channel_list(self) -> list[str]:
        """The channels declared on the signature (empty: every channel)."""
        return [code for code in self.channels.split(",") if code]


@event.listens_for(Signature, "before_update")
def _signature_is_immutable(_mapper, _connection, target):
    """Refuse any change to a stored signature except recording its withdrawal, once."""
    state = db.inspect(target)
    changed = {attr.key: attr.load_history() for attr in state.attrs}
    changed = {key: hist for key, hist in changed.items() if hist.has_changes()}
    for key in changed.keys() - Signature.WITHDRAWAL_FIELDS:
        raise SignatureImmutable(key)
    withdrawn = changed.get("withdrawn_on")
    first_withdrawal = withdrawn is not None and all(old is None for old in withdrawn.deleted)
    if changed and not first_withdrawal:
        raise SignatureImmutable(next(iter(changed)))


class SignatureImmutable(Exception):
    """Raised when code tries to edit a stored signature."""

    def __init__(self, field):
        super().__init__(f"signatures are immutable: {field} cannot change; record a new one")


class User(UserMixin, db.Model):
    """A person: coordinator, organisation admin or counsellor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32), default="")
    languages: Mapped[str] = mapped_column(String(20), default="fi")
    locale: Mapped[str | None] = mapped_column(String(5))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="people")

    # the secret of the sign-in session this object was loaded for (rota.auth.sessions)
    session_key = None

    def get_session_key(self):
        """What Flask-Login keeps in the cookies (its id_attribute): the sign-in session's
        secret, never the user id."""
        return self.session_key

    @property
    def is_active(self):
        return self.active

    @property
    def language_list(self) -> list[str]:
        """The languages this person counsels in, in preference order."""
        return [code for code in self.languages.split(",") if code]

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ORG_ADMIN

    def __str__(self):
        return self.name
