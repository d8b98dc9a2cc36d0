"""Pure arithmetic of the reports: medians and 90th percentiles, time counted in service hours
only, and days and months of a period. No Flask, no database."""

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta


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
    open seconds before each, so the service time between two instants is two look-ups."""

    def __init__(self, intervals: Iterable[tuple[datetime, datetime]]):
        merged: list[list[datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _end in merged]
        self.ends = [end for _start, end in merged]
        self.before: list[float] = []
        total = 0.0
        for start, end in merged:
            self.before.append(total)
            total += (end - start).total_seconds()

    def open_seconds_until(self, at: datetime) -> float:
        """Service seconds from the first interval up to instant `at`."""
        i = bisect.bisect_right(self.starts, at) - 1
        if i < 0:
            return 0.0
        within = min(at, self.ends[i]) - self.starts[i]
        return self.before[i] + within.total_seconds()

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls within service hours."""
        i = bisect.bisect_right(self.starts, at) - 1
        return i >= 0 and at < self.ends[i]

    def minutes(self, start: datetime, end: datetime) -> float:
        """Minutes of service time between two instants."""
        return (self.open_seconds_until(end) - self.open_seconds_until(start)) / 60


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
