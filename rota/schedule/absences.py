"""Absences: a counsellor away makes the shifts they are named to show as uncovered."""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, joinedload

from rota.auth import policy
from rota.errors import DomainError, NotFound
from rota.members.models import Role, User
from rota.members.people import people_in_scope
from rota.outbox.service import MailSettings
from rota.schedule.handover import shift_changed_hands
from rota.schedule.models import Absence, Shift, ShiftChangeKind, ShiftStatus

log = logging.getLogger(__name__)

MAX_ABSENCE_DAYS = 366


def counsellor_absent():
    """SQL condition: the shift's named counsellor has an absence overlapping the shift."""
    return exists().where(
        Absence.user_id == Shift.counsellor_id,
        Absence.starts_at < Shift.ends_at,
        Absence.ends_at > Shift.starts_at,
    )


def is_absent(session: Session, user_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether the person has an absence overlapping [starts_at, ends_at)."""
    query = select(Absence.id).where(
        Absence.user_id == user_id, Absence.starts_at < ends_at, Absence.ends_at > starts_at
    )
    return session.scalar(query.limit(1)) is not None


def absent_shift_ids(session: Session, shifts) -> set[int]:
    """The ids of those shifts whose named counsellor is away during the shift."""
    named = [s for s in shifts if s.counsellor_id is not None]
    if not named:
        return set()
    query = select(Absence).where(
        Absence.user_id.in_({s.counsellor_id for s in named}),
        Absence.starts_at < max(s.ends_at for s in named),
        Absence.ends_at > min(s.starts_at for s in named),
    )
    by_person: dict[int, list[Absence]] = {}
    for absence in session.scalars(query):
        by_person.setdefault(absence.user_id, []).append(absence)
    return {
        s.id
        for s in named
        for a in by_person.get(s.counsellor_id, ())
        if a.starts_at < s.ends_at and a.ends_at > s.starts_at
    }


def _person_for(session: Session, actor: User, person_id: int) -> User:
    person = session.get(User, person_id)
    if person is None or not policy.manages_person(actor, person.id, person.organisation_id):
        raise NotFound(_l("No such person. Choose one of your own people."))
    return person


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def record_absence(
    session: Session,
    actor: User,
    *,
    person_id: int,
    first_day: date,
    last_day: date,
    reason: str,
    zone: ZoneInfo,
    now: datetime,
    settings: MailSettings,
) -> Absence:
    """Record that a person is away from `first_day` to `last_day` (local days, inclusive).

    Their shifts in that time that are not over go to their organisation's queue: unopened
    contacts follow, and the person and their organisation's admins hear of each."""
    person = _person_for(session, actor, person_id)
    if last_day < first_day:
        raise DomainError(_l("The last day cannot be before the first day."), "last_day")
    if (last_day - first_day).days >= MAX_ABSENCE_DAYS:
        raise DomainError(_l("Record at most a year at a time."), "last_day")
    absence = Absence(
        user=person,
        starts_at=_local_midnight(first_day, zone),
        ends_at=_local_midnight(last_day + timedelta(days=1), zone),
        reason=(reason or "").strip(),
    )
    session.add(absence)
    session.flush()
    log.info("absence %s recorded for user %s by user %s", absence.id, person.id, actor.id)
    for shift in _named_during(session, person.id, absence, now):
        kind = ShiftChangeKind.ABSENCE
        shift_changed_hands(
            session, shift, shift.organisation_id, person.id, kind, now, settings=settings
        )
    return absence


def _named_during(session: Session, person_id: int, absence: Absence, now: datetime):
    """The planned shifts the person is named to during the absence that are not over."""
    query = select(Shift).where(
        Shift.counsellor_id == person_id,
        Shift.status == ShiftStatus.PLANNED,
        Shift.starts_at < absence.ends_at,
        Shift.not_over(max(now, absence.starts_at)),
    )
    return list(session.scalars(query.order_by(Shift.starts_at, Shift.id)))


def delete_absence(session: Session, actor: User, absence_id: int) -> None:
    """Remove an absence the actor may manage (their own, their people's, or any for the ring)."""
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise NotFound(_l("No such absence."))
    _person_for(session, actor, absence.user_id)
    session.delete(absence)
    session.flush()


def visible_absences(session: Session, actor: User, now: datetime) -> list[Absence]:
    """Current and coming absences the actor may see and manage, soonest first."""
    query = (
        select(Absence)
        .join(Absence.user)
        .where(Absence.ends_at > now)
        .options(joinedload(Absence.user))
        .where(people_in_scope(policy.management_scope(actor)))
        .order_by(Absence.starts_at, Absence.id)
    )
    return list(session.scalars(query))


def people_for_absences(session: Session, actor: User) -> list[User]:
    """The people the actor may record absences for (themself at least)."""
    scope = policy.management_scope(actor)
    if scope.reach == policy.Reach.OWN:
        return [actor]
    query = select(User).where(User.active.is_(True), User.role != Role.COORDINATOR)
    return list(session.scalars(query.where(people_in_scope(scope)).order_by(User.name)))


def uncovered():
    """SQL condition: a shift with no counsellor, or whose counsellor is away."""
    return or_(Shift.counsellor_id.is_(None), counsellor_absent())
