"""Publishing weeks of the rota: a published week is frozen against regeneration."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rota.errors import DomainError
from rota.schedule.models import PublishedWeek, Shift, ShiftStatus

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 366
ONE_WEEK = timedelta(weeks=1)


def monday(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def ensure_order(first: date, last: date, field: str) -> None:
    """Refuse a last day before the first day, on the form field `field`."""
    if last < first:
        raise DomainError(
            _l("The last day must be on or after the first day (%(day)s).", day=first.isoformat()),
            field,
        )


def check_range(first: date, last: date, max_days: int | None = MAX_RANGE_DAYS) -> None:
    """Refuse a date range that ends before it starts or spans more than `max_days`."""
    ensure_order(first, last, "last")
    if max_days is not None and (last - first).days >= max_days:
        raise DomainError(_l("Choose at most a year at a time."), "last")


def week_starts(first: date, last: date) -> list[date]:
    """The Mondays of the weeks that touch the range `first`–`last`."""
    weeks, week = [], monday(first)
    while week <= last:
        weeks.append(week)
        week += ONE_WEEK
    return weeks


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
