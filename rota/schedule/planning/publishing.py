"""Publishing weeks of the rota: a published week is frozen against regeneration."""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.schedule.days import check_range, monday, week_starts
from rota.schedule.models import PublishedWeek, Shift, ShiftStatus

log = logging.getLogger(__name__)


def published_weeks(session: Session, first: date, last: date) -> set[date]:
    """The Mondays of the published weeks touching `first`–`last`."""
    query = select(PublishedWeek.week_start).where(
        PublishedWeek.week_start.between(monday(first), last)
    )
    return set(session.scalars(query))


def publish_weeks(
    session: Session, first: date, last: date, actor_id: int | None, now: datetime
) -> list[date]:
    """Publish (freeze) every week touching `first`–`last`; returns the newly published Mondays."""
    check_range(first, last)
    already = published_weeks(session, first, last)
    new = [week for week in week_starts(first, last) if week not in already]
    session.add_all(
        PublishedWeek(week_start=week, published_at=now, published_by_id=actor_id) for week in new
    )
    session.flush()
    log.info("published %d weeks from %s to %s", len(new), first, last)
    return new


@dataclass(frozen=True)
class WeekStatus:
    """A week of the rota: its Monday, how many planned shifts it has, whether it is published."""

    monday: date
    shifts: int
    published: bool


def weeks_overview(session: Session, first: date, last: date) -> list[WeekStatus]:
    """The weeks touching `first`–`last` with their shift counts and published state."""
    query = (
        select(Shift.local_day, func.count())
        .where(Shift.status == ShiftStatus.PLANNED, Shift.on_local_days(monday(first), last))
        .group_by(Shift.local_day)
    )
    counts: dict[date, int] = {}
    for day, count in session.execute(query):
        counts[monday(day)] = counts.get(monday(day), 0) + count
    published = published_weeks(session, first, last)
    return [WeekStatus(w, counts.get(w, 0), w in published) for w in week_starts(first, last)]
