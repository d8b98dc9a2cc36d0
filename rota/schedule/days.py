"""Ranges of local days: the week of a day; a range in order and not too long."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from rota.errors import DomainError

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
