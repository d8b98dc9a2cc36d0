"""The rota's one question for the rest of the ring: who is on duty at t, and who is next."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from rota.members.models import Organisation, User
from rota.schedule.absences import absent_shift_ids
from rota.schedule.models import Channel, Shift, ShiftStatus


def _planned(channel: Channel | str | None):
    query = select(Shift).where(Shift.status == ShiftStatus.PLANNED)
    if channel is not None:
        query = query.where(Shift.channel == Channel(channel))
    return query.options(joinedload(Shift.organisation), joinedload(Shift.counsellor))


def _next_start(at: datetime, channel: Channel | str | None):
    """SQL: the earliest start of a planned shift after `at` (through the starts_at index)."""
    query = select(func.min(Shift.starts_at)).where(
        Shift.status == ShiftStatus.PLANNED, Shift.starts_at > at
    )
    if channel is not None:
        query = query.where(Shift.channel == Channel(channel))
    return query.scalar_subquery()


@dataclass
class Duty:
    """The shifts on duty at an instant and the next ones, and which of them are uncovered
    because their named counsellor is away."""

    current: list[Shift]
    following: list[Shift]
    absent: set[int]

    def covering_counsellor(self, shift: Shift) -> User | None:
        """Who actually covers the shift: None when nobody is named or they are away."""
        return None if shift.id in self.absent else shift.counsellor

    def changes_at(self) -> datetime | None:
        """When the answer changes by the clock alone: the first end of a shift on duty, or
        the start of the next ones (None: no shift on duty and none ahead). Absences count
        for a whole shift, so they move no boundary."""
        boundaries = [s.ends_at for s in self.current] + [s.starts_at for s in self.following]
        return min(boundaries, default=None)


def duty_at(session: Session, at: datetime, channel: Channel | str | None = None) -> Duty:
    """The planned shifts running at `at` (optionally of one channel) and those that start next
    after it (all sharing the earliest start), by start, with the absences of their
    counsellors: two statements, what a phone system asks while the caller waits and what
    routing decides from."""
    running = and_(Shift.starts_at <= at, Shift.not_over(at))
    query = _planned(channel).where(or_(running, Shift.starts_at == _next_start(at, channel)))
    shifts = list(session.scalars(query.order_by(Shift.starts_at, Shift.id)))
    return Duty(
        current=[s for s in shifts if s.starts_at <= at],
        following=[s for s in shifts if s.starts_at > at],
        absent=absent_shift_ids(session, shifts),
    )


def forwarding_number(
    counsellor: User | None, organisation: Organisation | None
) -> tuple[str, str] | None:
    """Where calls go: the covering counsellor's phone, else the organisation's.

    The number and whose it is ("counsellor" or "organisation"); None when neither has one,
    and the caller decides the fallback (the API shows the ring's own number; the telephony
    webhook answers none, so a PBX never forwards the ring's number to itself).
    """
    if counsellor is not None and counsellor.phone:
        return counsellor.phone, "counsellor"
    if organisation is not None and organisation.phone:
        return organisation.phone, "organisation"
    return None
