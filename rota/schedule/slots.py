"""Pure expansion of weekly service hours into concrete slots (local wall clock → UTC).

A template's slot "Monday 09:00–12:00" becomes, on each Monday the template is valid and the
ring is open, an instant range that starts at 09:00 local time whatever the UTC offset is that
day: the wall clock is what clients and counsellors see, so DST changes move the UTC times.
"""

from collections.abc import Collection, Iterable, Iterator, Sequence
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
    """A slot on a day: its key, channel, language and its start and end as UTC instants.

    A named tuple: cheap to make by the hundred thousand, and its fields transpose with zip.
    """

    key: str
    day: date
    channel: str
    language: str | None
    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> float:
        """Length in hours of real time (what the counsellor actually works)."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600


def slot_key(day: date, channel: str, start: time) -> str:
    """The stable key of a slot: `YYYY-MM-DD/channel/HH:MM` in local time."""
    return f"{day.isoformat()}/{channel}/{start.hour:02d}:{start.minute:02d}"


def to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on a day (the earlier one in an autumn fold)."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def days(first: date, last: date) -> Iterator[date]:
    """Every day from `first` to `last`, both inclusive."""
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _by_weekday(template: Template) -> list[list[WeeklySlot]]:
    week: list[list[WeeklySlot]] = [[] for _ in range(7)]
    for slot in sorted(template.slots, key=lambda s: (s.start, s.channel)):
        week[slot.weekday].append(slot)
    return week


def _day_slots(day: date, weekly: Sequence[WeeklySlot], zone: ZoneInfo) -> Iterator[ConcreteSlot]:
    instants: dict[time, datetime] = {}  # one zone conversion per distinct wall time of the day
    for slot in weekly:
        starts_at = instants.get(slot.start) or _convert(instants, day, slot.start, zone)
        ends_at = instants.get(slot.end) or _convert(instants, day, slot.end, zone)
        if ends_at <= starts_at:
            continue  # the slot's wall-clock hour does not exist that day (spring DST gap)
        key = slot_key(day, slot.channel, slot.start)
        yield ConcreteSlot(key, day, slot.channel, slot.language, starts_at, ends_at)


def _convert(instants: dict[time, datetime], day: date, wall: time, zone: ZoneInfo) -> datetime:
    instants[wall] = instant = to_utc(day, wall, zone)
    return instant


def expand(
    templates: Iterable[Template],
    first: date,
    last: date,
    closed: Collection[date],
    zone: ZoneInfo,
) -> list[ConcreteSlot]:
    """The open slots from `first` to `last` (inclusive), in time order, from the templates."""
    weeks = [(template, _by_weekday(template)) for template in templates]
    result: list[ConcreteSlot] = []
    for day in days(first, last):
        if day in closed:
            continue
        for template, week in weeks:
            if template.covers(day):
                result.extend(_day_slots(day, week[day.weekday()], zone))
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
