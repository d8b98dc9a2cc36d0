"""Who covers what: the rota between two days, and the gaps (no counsellor, or one away)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from rota.auth import policy
from rota.schedule.absences import absent_shift_ids, uncovered
from rota.schedule.models import Shift, ShiftChange, ShiftStatus


@dataclass(frozen=True)
class RotaEntry:
    """A shift as the rota shows it: is it covered, and if not, why not."""

    shift: Shift
    absent: bool

    @property
    def covered(self) -> bool:
        return self.shift.counsellor_id is not None and not self.absent

    @property
    def gap(self) -> bool:
        return self.shift.status == ShiftStatus.PLANNED and not self.covered


def _with_people(query):
    return query.options(joinedload(Shift.organisation), joinedload(Shift.counsellor))


def _entries(session: Session, query) -> list[RotaEntry]:
    shifts = list(session.scalars(_with_people(query).order_by(Shift.starts_at, Shift.id)))
    absent = absent_shift_ids(session, shifts)
    return [RotaEntry(shift, shift.id in absent) for shift in shifts]


def rota_between(
    session: Session,
    first_day: date,
    last_day: date,
    *,
    organisation_id: int | None = None,
    include_cancelled: bool = False,
) -> list[RotaEntry]:
    """The shifts of local days first_day..last_day (inclusive), in time order."""
    query = select(Shift).where(Shift.on_local_days(first_day, last_day))
    if not include_cancelled:
        query = query.where(Shift.status == ShiftStatus.PLANNED)
    if organisation_id is not None:
        query = query.where(Shift.organisation_id == organisation_id)
    return _entries(session, query)


def coverage_gaps(
    session: Session, now: datetime, days: int, organisation_id: int | None = None
) -> list[RotaEntry]:
    """Planned shifts not yet over and starting within `days` that have nobody to cover them."""
    query = select(Shift).where(
        Shift.status == ShiftStatus.PLANNED,
        Shift.not_over(now),
        Shift.starts_at < now + timedelta(days=days),
        uncovered(),
    )
    if organisation_id is not None:
        query = query.where(Shift.organisation_id == organisation_id)
    return _entries(session, query)


def gaps_for(session: Session, viewer, now: datetime, days: int) -> list[RotaEntry]:
    """The coverage gaps the viewer answers for: all (coordinator), their organisation's."""
    scope = policy.management_scope(viewer)
    if scope.reach == policy.Reach.ALL:
        return coverage_gaps(session, now, days)
    if scope.reach == policy.Reach.ORGANISATION:
        return coverage_gaps(session, now, days, scope.organisation_id)
    return []


def upcoming_for(session: Session, user_id: int, now: datetime, limit: int = 5) -> list[RotaEntry]:
    """The counsellor's next shifts (not yet over), soonest first."""
    query = select(Shift).where(
        Shift.status == ShiftStatus.PLANNED, Shift.counsellor_id == user_id, Shift.not_over(now)
    )
    return _entries(session, query.limit(limit))


def group_by_day(entries: list[RotaEntry]) -> dict[date, list[RotaEntry]]:
    """Entries grouped by their shift's local day, days in order."""
    days: dict[date, list[RotaEntry]] = {}
    for entry in entries:
        days.setdefault(entry.shift.local_day, []).append(entry)
    return days


def history(session: Session, shift: Shift) -> list[ShiftChange]:
    """The shift's changes, oldest first."""
    query = select(ShiftChange).where(ShiftChange.shift_id == shift.id)
    return list(session.scalars(query.order_by(ShiftChange.at, ShiftChange.id)))


def offered_shifts(session: Session, now: datetime) -> list[Shift]:
    """Shifts on offer that have not started yet, soonest first."""
    query = select(Shift).where(
        Shift.offered_at.is_not(None),
        Shift.status == ShiftStatus.PLANNED,
        Shift.starts_at > now,
    )
    return list(session.scalars(query.order_by(Shift.starts_at, Shift.id)))
