"""Pure expansion of weekly service hours into concrete slots (local wall clock → UTC).

A template's slot "Monday 09:00–12:00" becomes, on each Monday the template is valid and the
ring is open, an instant range that starts at 09:00 local time whatever the UTC offset is that
day: the wall clock is what clients and counsellors see, so DST changes move the UTC times.
"""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WeeklySlot:
    """One slot of a weekly template: weekday (Monday 0), local start and end, channel."""

    weekday: int
    start: time
    end: time
    channel: str
    language: str | None = None


@dataclass(frozen=True)
class Template:
    """Weekly slots valid from a day to a last day (None: open-ended), both inclusive."""

    valid_from: date
    valid_until: date | None
    slots: tuple[WeeklySlot, ...]

    def covers(self, day: date) -> bool:
        """Whether the template is the one in force on `day`."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ConcreteSlot(NamedTuple):
    """A slot on a day: its key, channel, language, its start and end as UTC instants, and its
    length in hours of real time (what the counsellor actually works).

    A named tuple: cheap to make by the hundred thousand, and its fields transpose with zip.
    """

    key: str
    day: date
    channel: str
    language: str | None
    starts_at: datetime
    ends_at: datetime
    hours: float


def _key_suffix(channel: str, start: time) -> str:
    """What follows the day in a slot's stable key `YYYY-MM-DD/channel/HH:MM` (local time)."""
    return f"/{channel}/{start.hour:02d}:{start.minute:02d}"


def to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on a day (the earlier one in an autumn fold)."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def days(first: date, last: date) -> Iterator[date]:
    """Every day from `first` to `last`, both inclusive."""
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


class _Weekday(NamedTuple):
    """A template's slots of one weekday in start order, ready to expand day after day."""

    slots: tuple[tuple[time, time, str, str | None, str], ...]  # start, end, channel, lang, suffix
    walls: frozenset[time]  # the distinct wall-clock times: one zone conversion each per day

    @classmethod
    def of(cls, weekly: Iterable[WeeklySlot]) -> "_Weekday":
        ordered = sorted(weekly, key=lambda s: (s.start, s.channel))
        slots = tuple(
            (s.start, s.end, s.channel, s.language, _key_suffix(s.channel, s.start))
            for s in ordered
        )
        return cls(slots, frozenset(wall for s in ordered for wall in (s.start, s.end)))

    def expand(self, day: date, zone: ZoneInfo) -> list[ConcreteSlot]:
        """The day's slots; a slot whose wall-clock time does not exist that day (spring DST
        gap) is left out."""
        prefix = day.isoformat()
        at = {wall: to_utc(day, wall, zone) for wall in self.walls}
        result = []
        for start, end, channel, language, suffix in self.slots:
            starts_at, ends_at = at[start], at[end]
            if ends_at > starts_at:
                hours = (ends_at - starts_at).total_seconds() / 3600
                result.append(
                    ConcreteSlot(prefix + suffix, day, channel, language, starts_at, ends_at, hours)
                )
        return result


def expand(
    templates: Iterable[Template],
    first: date,
    last: date,
    closed: Collection[date],
    zone: ZoneInfo,
) -> list[ConcreteSlot]:
    """The open slots from `first` to `last` (inclusive), in time order, from the templates."""
    weeks = [
        (template, [_Weekday.of(s for s in template.slots if s.weekday == d) for d in range(7)])
        for template in templates
    ]
    result: list[ConcreteSlot] = []
    for day in days(first, last):
        if day in closed:
            continue
        for template, week in weeks:
            if template.covers(day):
                result += week[day.weekday()].expand(day, zone)
                break
    return result


def overlapping(slots: Iterable[WeeklySlot]) -> tuple[WeeklySlot, WeeklySlot] | None:
    """The first two slots of the same weekday and channel whose times overlap, if any."""
    ordered = sorted(slots, key=lambda s: (s.weekday, s.channel, s.start, s.end))
    for before, after in zip(ordered, ordered[1:], strict=False):
        same_line = (before.weekday, before.channel) == (after.weekday, after.channel)
        if same_line and after.start < before.end:
            return before, after
    return None
