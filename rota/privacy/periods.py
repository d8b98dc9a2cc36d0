"""Calendar periods for retention (pure)."""

from calendar import monthrange
from datetime import datetime


def months_before(instant: datetime, months: int) -> datetime:
    """The same wall-clock instant `months` calendar months earlier (the day clamped to the
    month's last: 31 March less one month is 28 or 29 February)."""
    index = instant.year * 12 + instant.month - 1 - months
    year, month = divmod(index, 12)
    day = min(instant.day, monthrange(year, month + 1)[1])
    return instant.replace(year=year, month=month + 1, day=day)
