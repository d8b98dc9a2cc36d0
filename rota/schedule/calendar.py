"""The rota laid out as a calendar (pure): a week of days × half hours, a month of weeks.

Positions are grid lines for CSS classes (the pages may carry no inline style), computed in the
service's zone: a shift keeps its wall-clock place whatever the UTC offset that day (DST).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SLOT_MINUTES = 30
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
DEFAULT_HOURS = (8, 17)  # the axis of a week without shifts
PATTERNS = 10  # organisation marks: colour and one of this many fill patterns (WCAG 1.4.1)


def pattern_of(organisation_id: int) -> int:
    """The fill pattern of an organisation's mark: the same on every page and in the legend."""
    return organisation_id % PATTERNS


@dataclass(frozen=True)
class Placed:
    """An entry in a day column: first half-hour row (1-based), rows spanned, lane (1-based)."""

    entry: object
    row: int
    span: int
    lane: int


@dataclass
class DayColumn:
    day: date
    placed: list[Placed] = field(default_factory=list)
    lanes: int = 1


@dataclass(frozen=True)
class WeekGrid:
    """Seven day columns sharing one time axis from `first_hour` to `last_hour`."""

    columns: list[DayColumn]
    first_hour: int
    last_hour: int

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // SLOT_MINUTES

    @property
    def hours(self) -> list[tuple[int, int]]:
        """(hour, its first row) along the axis."""
        per_hour = 60 // SLOT_MINUTES
        return [
            (h, 1 + (h - self.first_hour) * per_hour)
            for h in range(self.first_hour, self.last_hour)
        ]


def _slot(moment: datetime, zone: ZoneInfo, day: date) -> int:
    """Half hours from the day's local midnight to `moment`, within 0..SLOTS_PER_DAY."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return SLOTS_PER_DAY
    return (local.hour * 60 + local.minute) // SLOT_MINUTES


def _lanes(spans: list[tuple[int, int, object]]) -> tuple[list[Placed], int]:
    """Put overlapping spans side by side: each in the first lane free at its start."""
    lane_ends: list[int] = []
    placed = []
    for start, end, entry in sorted(spans, key=lambda s: (s[0], s[1])):
        lane = next((i for i, busy in enumerate(lane_ends) if busy <= start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        placed.append(Placed(entry, start, end - start, lane + 1))
    return placed, max(len(lane_ends), 1)


def week_grid(first: date, entries_by_day: dict, zone: ZoneInfo) -> WeekGrid:
    """The week from Monday `first`; entries (with `.shift.starts_at/.ends_at`) by local day."""
    days = [first + timedelta(days=n) for n in range(7)]
    spans = {}
    for day in days:
        spans[day] = [
            (
                _slot(e.shift.starts_at, zone, day),
                max(_slot(e.shift.ends_at, zone, day), _slot(e.shift.starts_at, zone, day) + 1),
                e,
            )
            for e in entries_by_day.get(day, [])
        ]
    every = [s for day_spans in spans.values() for s in day_spans]
    per_hour = 60 // SLOT_MINUTES
    first_hour = min([s[0] // per_hour for s in every], default=DEFAULT_HOURS[0])
    last_hour = max([-(-s[1] // per_hour) for s in every], default=DEFAULT_HOURS[1])
    offset = first_hour * per_hour
    columns = []
    for day in days:
        shifted = [(start - offset + 1, end - offset + 1, e) for start, end, e in spans[day]]
        placed, lanes = _lanes(shifted)
        columns.append(DayColumn(day, placed, lanes))
    return WeekGrid(columns, first_hour, min(last_hour, 24))


def month_weeks(first: date, last: date) -> list[list[date | None]]:
    """The month's days as weeks Monday..Sunday; None for days of the months around it."""
    weeks, week = [], [None] * first.weekday()
    day = first
    while day <= last:
        week.append(day)
        if len(week) == 7:
            weeks.append(week)
            week = []
        day += timedelta(days=1)
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks
