"""What the API reads and writes: instants, days, limits, cursors, channels, text; timestamps.

Every reader takes the raw value (None when absent) and its name, and raises `BadParameter`
(a 400 naming the field and what to send) instead of letting bad input reach a query. Every
timestamp the API writes is ISO 8601 in the service's zone with its offset, to the second
(`2026-03-29T04:00:00+03:00`).
"""

import base64
import binascii
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from werkzeug.exceptions import BadRequest

from rota import inputs
from rota.schedule.models import Channel

RANGE = f"between {inputs.FIRST_DAY} and {inputs.LAST_DAY}"
INSTANT_EXAMPLE = "2026-03-30T09:15:00+03:00"
_CHANNELS = {c.value: c for c in Channel}  # value -> channel, as `channel` reads them


class BadParameter(BadRequest):
    """A parameter the caller must fix; the description says how."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field


def timestamp(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """An instant as the API writes it: ISO 8601 in the service's zone, to the second."""
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _wall_clock(moment: datetime, name: str, zone: ZoneInfo) -> datetime:
    found = inputs.occurrences(moment, zone)
    text = moment.isoformat(timespec="minutes")
    if not found:
        raise BadParameter(
            name,
            f"`{name}` {text} does not exist in {zone.key}: the clocks skip it when summer "
            f"time starts. Send the instant with its offset, e.g. {INSTANT_EXAMPLE}.",
        )
    if len(found) > 1:
        either = " or ".join(f.isoformat(timespec="minutes") for f in found)
        raise BadParameter(
            name,
            f"`{name}` {text} happens twice in {zone.key} (the clocks go back when summer "
            f"time ends): send it with its offset, {either}.",
        )
    return found[0]


def instant(raw: str | None, name: str, zone: ZoneInfo | None = None) -> datetime | None:
    """An aware instant from ISO 8601 text. With `zone`, a time without an offset is a wall-clock
    time there (refused when the clocks skip it or repeat it); without, it needs an offset."""
    if raw is None:
        return None
    raw = str(raw).strip()
    if "T" in raw:  # a "+03:00" not encoded as %2B arrives as " 03:00"
        raw = raw.replace(" ", "+")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, f"`{name}` must be ISO 8601, e.g. {INSTANT_EXAMPLE}.") from None
    if not inputs.supported_day(moment):
        raise BadParameter(name, f"`{name}` must be {RANGE}.")
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if zone is None:
        raise BadParameter(name, f"`{name}` needs a time zone, e.g. +03:00 or Z.")
    return _wall_clock(moment, name, zone).astimezone(UTC)


def day(raw: str | None, name: str) -> date | None:
    """A day written YYYY-MM-DD, 1900-01-01 to 2999-12-31."""
    if raw is None:
        return None
    try:
        found = date.fromisoformat(raw.strip())
    except ValueError:
        raise BadParameter(name, f"Give `{name}` as a date YYYY-MM-DD, e.g. 2026-03-30.") from None
    if not inputs.supported_day(found):
        raise BadParameter(name, f"`{name}` must be {RANGE}.")
    return found


def limit(raw: str | None, default: int, maximum: int, name: str = "limit") -> int:
    """How many to answer with: a whole number from 1 to `maximum`."""
    if raw is None:
        return default
    number = inputs.whole_number(raw.strip())
    if number is None or not 1 <= number <= maximum:
        raise BadParameter(name, f"`{name}` must be a whole number from 1 to {maximum}.")
    return number


def channel(raw: str | None, name: str = "channel") -> Channel | None:
    """One of the channels, or None when not given."""
    if raw is None:
        return None
    found = _CHANNELS.get(raw)
    if found is None:
        choices = ", ".join(_CHANNELS)
        raise BadParameter(name, f"Give `{name}` as one of: {choices}.")
    return found


def make_cursor(moment: datetime, record_id: int) -> str:
    """An opaque cursor pointing just after (moment, id) in that order."""
    text = f"{moment.astimezone(UTC).isoformat()}|{record_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor(raw: str | None, name: str = "cursor") -> tuple[datetime, int] | None:
    """The (moment, id) a cursor of ours points after."""
    if raw is None:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        moment, _sep, record_id = text.partition("|")
        found = datetime.fromisoformat(moment), inputs.whole_number(record_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        found = None, None
    at, number = found
    if at is None or at.tzinfo is None or not inputs.supported_day(at) or number is None:
        raise BadParameter(
            name,
            f"`{name}` is not one this API gave out: pass `next_cursor` of the previous page "
            "as it is.",
        )
    return at, number


def text(data: dict, name: str, required: bool = False, max_length: int = 200) -> str:
    """A string (or number) field of a JSON body, trimmed: no control characters, cut to length."""
    value = "" if data.get(name) is None else data[name]
    if not isinstance(value, str | int):
        raise BadParameter(name, f"`{name}` must be a string.")
    value = str(value).strip()
    if required and not value:
        raise BadParameter(name, f"`{name}` is missing.")
    if inputs.has_control_characters(value):
        raise BadParameter(name, f"`{name}` must not contain control characters.")
    return value[:max_length]
