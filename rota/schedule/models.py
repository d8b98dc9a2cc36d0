"""Service hours, closures, shifts and their history, absences, published weeks, planning runs."""

import enum
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rota.db import UTCDateTime, utcnow
from rota.extensions import db
from rota.members.models import Organisation, User

ONE_DAY = timedelta(days=1)


class Channel(enum.StrEnum):
    """How clients reach the ring during a slot."""

    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"


class ServicePattern(db.Model):
    """A weekly template of service hours, valid from a date (until the next one or an end)."""

    __tablename__ = "service_patterns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    slots: Mapped[list["PatternSlot"]] = relationship(
        back_populates="pattern",
        cascade="all, delete-orphan",
        order_by="(PatternSlot.weekday, PatternSlot.start_time, PatternSlot.channel)",
    )


class PatternSlot(db.Model):
    """One weekly slot of a pattern, in the service's local wall-clock time."""

    __tablename__ = "pattern_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern_id: Mapped[int] = mapped_column(ForeignKey("service_patterns.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=10))
    language: Mapped[str | None] = mapped_column(String(2))

    pattern: Mapped[ServicePattern] = relationship(back_populates="slots")


class Closure(db.Model):
    """A day the ring is closed (its own closure) or a public holiday it re-opens."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    reopen: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a closure of the ring's own may span days: `day` is its first, `last_day` its last
    last_day: Mapped[date | None] = mapped_column(Date)

    @property
    def until(self) -> date:
        """The last closed day (the first one when the closure is a single day)."""
        return self.last_day or self.day


class ShiftChangeKind(enum.StrEnum):
    """What a shift's history row records (stored in `ShiftChange.kind`; labels in
    schedule.labels)."""

    ASSIGN = "assign"
    NAME = "name"
    OFFER = "offer"
    WITHDRAW = "withdraw"
    TAKE = "take"
    OVERRIDE = "override"
    REPLAN = "replan"
    CANCEL = "cancel"


class ShiftStatus(enum.StrEnum):
    """A shift is planned, or cancelled (kept so calendars see the cancellation)."""

    PLANNED = "planned"
    CANCELLED = "cancelled"


class Shift(db.Model):
    """One slot of the rota: an organisation's duty, a counsellor named by its admin."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_key: Mapped[str] = mapped_column(String(60), unique=True)  # e.g. 2026-03-30/phone/09:00
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=10))
    language: Mapped[str | None] = mapped_column(String(2))
    # Every query of shifts is bounded in time, so starts_at is the one index they need: days
    # are found through it (on_local_days), so are shifts not yet over (not_over), and an
    # organisation's shifts are filtered within the time window. Fewer indexes keep writing
    # the rota in bulk fast.
    local_day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ShiftStatus] = mapped_column(
        Enum(ShiftStatus, native_enum=False, length=10), default=ShiftStatus.PLANNED
    )
    behind_hours: Mapped[float] = mapped_column(Float, default=0.0)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offer_note: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # not indexed: feeds read max(updated_at) over shifts their window already selects
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    counsellor: Mapped[User | None] = relationship(foreign_keys=[counsellor_id])
    offered_by: Mapped[User | None] = relationship(foreign_keys=[offered_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # Partial: a generated shift has no counsellor yet, so writing the rota in bulk does not
        # touch this index; "shifts of counsellor X" (X not null) still uses it.
        Index(
            "ix_shifts_counsellor_id",
            counsellor_id,
            sqlite_where=counsellor_id.is_not(None),
            postgresql_where=counsellor_id.is_not(None),
        ),
    )

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @classmethod
    def on_local_days(cls, first: date, last: date) -> ColumnElement[bool]:
        """SQL condition: the shift is on a local day from `first` to `last` (inclusive).

        Exact by local_day, found through the starts_at index: whatever the zone's offset
        (at most 14 h), a local day's instants lie between 00:00 UTC the day before and
        00:00 UTC two days after.
        """
        return and_(
            cls.local_day.between(first, last),
            cls.starts_at >= datetime.combine(first - ONE_DAY, time(), UTC),
            cls.starts_at < datetime.combine(last + 2 * ONE_DAY, time(), UTC),
        )

    @classmethod
    def not_over(cls, at: datetime) -> ColumnElement[bool]:
        """SQL condition: the shift ends after instant `at`.

        Found through the starts_at index: a shift lies within one local day (under 25 hours
        even on the day clocks go back), so it starts less than two days before it ends.
        """
        return and_(cls.ends_at > at, cls.starts_at > at - 2 * ONE_DAY)


class ShiftChange(db.Model):
    """History of a shift: assignment, naming, offer, take, override, cancellation."""

    __tablename__ = "shift_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # a ShiftChangeKind
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    to_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    from_counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    from_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[from_organisation_id]
    )
    to_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[to_organisation_id])
    from_counsellor: Mapped[User | None] = relationship(foreign_keys=[from_counsellor_id])
    to_counsellor: Mapped[User | None] = relationship(foreign_keys=[to_counsellor_id])


class Absence(db.Model):
    """A counsellor is away: shifts they are named to in this time show as uncovered."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class PublishedWeek(db.Model):
    """A published (frozen) week of the rota, by its Monday."""

    __tablename__ = "published_weeks"

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CoverageMail(db.Model):
    """A coverage warning mailed on a local day to an audience ("ring" or "org:<id>"): once."""

    __tablename__ = "coverage_mails"

    local_day: Mapped[date] = mapped_column(Date, primary_key=True)
    audience: Mapped[str] = mapped_column(String(40), primary_key=True)
    gaps: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanningRun(db.Model):
    """A run that planned the rota (generation or an applied re-plan) and a fingerprint of the
    signatures it planned with: when they differ now, `generate` re-plans the unpublished weeks."""

    __tablename__ = "planning_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "generate" or "replan"
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    signatures: Mapped[str] = mapped_column(String(64))
