"""Pure arithmetic of the reports: medians and 90th percentiles, time counted in service hours
only, and days and months of a period. No Flask, no database."""

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0.5 is the median of an odd count, else the lower
    middle value; 0.9 the 90th percentile): a value that occurred. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Spread:
    """How long something took: how many, the median and the 90th percentile, in minutes."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, minutes: Sequence[float]) -> "Spread":
        return cls(len(minutes), percentile(minutes, 0.5), percentile(minutes, 0.9))


class ServiceClock:
    """Time measured in service hours only: the open intervals (any channel) merged, with the
    open seconds before each, so the service time between two instants is two look-ups.

    Instants are also taken as seconds since the epoch (`position`), the form the reports' SQL
    reads the clock in: `starts`, `ends` and `offsets` (open seconds before the interval less
    its start) begin with an empty interval at the epoch, so every instant after it has one."""

    def __init__(self, intervals: Iterable[tuple[datetime, datetime]]):
        merged: list[list[float]] = []
        for start, end in sorted((epoch_seconds(s), epoch_seconds(e)) for s, e in intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts, self.ends, self.offsets = [0.0], [0.0], [0.0]
        total = 0.0
        for start, end in merged:
            self.starts.append(start)
            self.ends.append(end)
            self.offsets.append(total - start)
            total += end - start

    def position(self, at: float) -> float:
        """Service seconds before instant `at` (seconds since the epoch)."""
        i = bisect.bisect_right(self.starts, at) - 1
        return self.offsets[i] + min(at, self.ends[i])

    def open_at(self, at: float) -> bool:
        """Whether instant `at` (seconds since the epoch) falls within service hours."""
        return at < self.ends[bisect.bisect_right(self.starts, at) - 1]


def epoch_seconds(at: datetime) -> float:
    """Seconds since the epoch of an instant (naive: UTC)."""
    return ((at if at.tzinfo else at.replace(tzinfo=UTC)) - EPOCH).total_seconds()


def zone_offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[float, int]]:
    """The zone's UTC offsets from `start` to `end`: (seconds since the epoch from which it
    holds, offset in seconds), the first from `start`."""

    def offset(at: float) -> int:
        return int(datetime.fromtimestamp(at, zone).utcoffset().total_seconds())

    first, last = epoch_seconds(start), epoch_seconds(end)
    changes = [(first, offset(first))]
    day = first
    while day < last:
        following = min(day + 86400, last)
        if offset(following) != changes[-1][1]:
            before, after = day, following  # the change lies in (before, after]
            while after - before > 1:
                middle = (before + after) // 2
                before, after = (
                    (middle, after) if offset(middle) == changes[-1][1] else (before, middle)
                )
            changes.append((after, offset(after)))
        day = following
    return changes


def wall_minutes(start: datetime, end: datetime) -> float:
    """Minutes of real time between two instants."""
    return (end - start).total_seconds() / 60


def months(first: date, last: date) -> list[tuple[date, date]]:
    """The calendar months a period touches, each cut to the period: (first day, last day)."""
    result = []
    start = first
    while start <= last:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = min(last, following - timedelta(days=1))
        result.append((start, end))
        start = following
    return result


def days_in_month(day: date) -> int:
    """How many days the month of `day` has."""
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (following - day.replace(day=1)).days
