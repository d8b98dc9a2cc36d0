"""The rota's one question for the rest of the ring: who is on duty at t, and who is next."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from rota.members.models import Organisation, User
from rota.schedule.absences import is_absent
from rota.schedule.models import Channel, Shift, ShiftStatus


def _planned(channel: Channel | str | None):
    query = select(Shift).where(Shift.status == ShiftStatus.PLANNED)
    if channel is not None:
        query = query.where(Shift.channel == Channel(channel))
    return query.options(joinedload(Shift.organisation), joinedload(Shift.counsellor))


def on_duty(session: Session, at: datetime, channel: Channel | str | None = None) -> list[Shift]:
    """The planned shifts running at instant `at` (optionally of one channel), by start."""
    query = _planned(channel).where(Shift.starts_at <= at, Shift.not_over(at))
    return list(session.scalars(query.order_by(Shift.starts_at, Shift.id)))


def next_shifts(
    session: Session, at: datetime, channel: Channel | str | None = None
) -> list[Shift]:
    """The planned shifts that start next after `at` (all those sharing the earliest start)."""
    first = session.scalar(
        select(Shift.starts_at)
        .where(Shift.status == ShiftStatus.PLANNED, Shift.starts_at > at)
        .where(Shift.channel == Channel(channel) if channel is not None else True)
        .order_by(Shift.starts_at)
        .limit(1)
    )
    if first is None:
        return []
    return list(
        session.scalars(_planned(channel).where(Shift.starts_at == first).order_by(Shift.id))
    )


def covering_counsellor(session: Session, shift: Shift) -> User | None:
    """The counsellor who actually covers the shift: None when nobody is named or they are away."""
    person = shift.counsellor
    if person is None or is_absent(session, person.id, shift.starts_at, shift.ends_at):
        return None
    return person


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
