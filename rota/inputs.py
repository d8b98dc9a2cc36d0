"""What people and machines may send: days, wall-clock times, numbers and text (pure).

Forms, pages and the API check their input with these before anything reaches a service, so
that a year-1 date, a time the clocks skip, an id PostgreSQL cannot hold or a name with an
escape code is a clear 400 rather than a failure deep inside.
"""

import re
import unicodedata
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
DB_INTEGER_MAX = 2**31 - 1  # ids and counts are INTEGER columns (PostgreSQL: 32 bits)

_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
_LINE_BREAKS = frozenset("\t\n\r")
# Embedding, override and isolate controls reorder text on screen ("Gradia\u202egnp.exe").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def supported_day(day: date) -> bool:
    """A day (or a time on a day) the app works with: 1900-01-01 to 2999-12-31."""
    return FIRST_DAY <= (day.date() if isinstance(day, datetime) else day) <= LAST_DAY


def whole_number(raw: str) -> int | None:
    """A non-negative whole number written in ASCII digits (at most nine), else None."""
    return int(raw) if _WHOLE_NUMBER.fullmatch(raw) else None


def fits_database_integer(value: int) -> bool:
    """Whether an INTEGER column can hold the value."""
    return -DB_INTEGER_MAX - 1 <= value <= DB_INTEGER_MAX


def occurrences(wall_clock: datetime, zone: ZoneInfo) -> list[datetime]:
    """The instants at which a naive wall-clock time happens in `zone`, earliest first: none
    when the clocks skip it (summer time starts), two when they repeat it (summer time ends).

    `wall_clock` must be a supported day (the conversion overflows near years 1 and 9999).
    """
    found = set()
    for fold in (0, 1):
        moment = wall_clock.replace(tzinfo=zone, fold=fold)
        if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall_clock:
            found.add(moment.astimezone(UTC))
    return [moment.astimezone(zone) for moment in sorted(found)]


def _refused(char: str, multiline: bool) -> bool:
    if multiline and char in _LINE_BREAKS:
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cs"):  # C0/C1 controls incl. NUL and ESC; lone surrogates
        return True
    return not multiline and (category in ("Zl", "Zp") or char in _BIDI_CONTROLS)


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """Whether text holds characters no name or message needs: control codes (NUL, ESC,
    BEL …), and in single-line text also line separators and bidirectional overrides.
    Multi-line text may hold tabs and line breaks."""
    return any(_refused(char, multiline) for char in text)
