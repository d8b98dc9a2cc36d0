"""Shifts for the feed and on-duty tests, stored directly with the Shift model."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rota.auth import tokens
from rota.extensions import db
from rota.schedule.models import Channel, Shift

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(day: date, hour: int = 9) -> datetime:
    """The UTC instant of hour:00 Helsinki wall time on day."""
    return datetime.combine(day, time(hour), HELSINKI).astimezone(UTC)


def add_shift(organisation, day: date, hour: int = 9, *, hours=3, channel="phone", **fields):
    """A planned shift from hour:00 local time on day, for hours; fields override."""
    start = local(day, hour)
    shift = Shift(
        slot_key=f"{day.isoformat()}/{channel}/{hour:02d}:00",
        channel=Channel(channel),
        local_day=day,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        organisation=organisation,
        **fields,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def feed_secret(scopes=("feeds:read",), **owner) -> str:
    """A new token's secret, owned by user= or organisation=."""
    _token, secret = tokens.create_token(db.session, name="Calendar", scopes=scopes, **owner)
    return secret


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def days_around_dst(today: date) -> tuple[list[date], list[date]]:
    """(winter days, summer days) either side of the next spring and autumn changes in the EU."""
    changes = []
    for month in (3, 10):
        change = _last_sunday(today.year, month)
        changes.append(change if change > today else _last_sunday(today.year + 1, month))
    spring, autumn = changes
    one = timedelta(days=1)
    return [spring - one, autumn + one], [spring + one, autumn - one]
