"""Pure iCalendar (RFC 5545) rendering of shift feeds: VTIMEZONE from zone data, fast VEVENTs.

Events are written by a small writer rather than through icalendar components: a feed of
10 000 shifts must cost no more than serialising them with icalendar, and the writer needs only
TEXT escaping, 75-octet folding on UTF-8 boundaries and CRLF. The output is cross-checked by
parsing it back with icalendar and ical.js in the tests.
"""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

FEED_DAYS_BACK = 30
_MAX_OCTETS = 75
_SCAN_STEP = 6 * 3600
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CONTROLS = {code: None for code in (*range(0x09), *range(0x0B, 0x20), 0x7F)}
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", **_CONTROLS})


@dataclass(frozen=True)
class FeedEvent:
    """One shift as a calendar event; times are aware instants (normally UTC)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str
    sequence: int
    last_modified: datetime
    created: datetime
    cancelled: bool = False
    location: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()

    def __post_init__(self):
        for moment in (self.start, self.end, self.last_modified, self.created):
            if moment.tzinfo is None:
                raise ValueError(f"FeedEvent {self.uid!r} needs aware datetimes, got {moment}")


@dataclass(frozen=True)
class FeedOptions:
    """How a calendar is written: its name, zone, refresh interval, reminder and METHOD."""

    name: str
    tz: str = "Europe/Helsinki"
    refresh_minutes: int = 60
    alarm_minutes: int | None = None
    prodid: str = "-//rota//guidance ring//EN"
    method: str | None = "PUBLISH"


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, newlines; drop CTLs."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_TEXT_ESCAPES)


def fold_line(line: str) -> bytes:
    """Encode one content line as UTF-8 folded at 75 octets, never inside a multi-octet char."""
    data = line.encode()
    if len(data) <= _MAX_OCTETS:
        return data
    parts, start, limit = [], 0, _MAX_OCTETS
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, _MAX_OCTETS - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts)


def slot_uid(channel: str, start: datetime, domain: str) -> str:
    """UID of a slot: the same for the same channel and start whatever happens to its shift."""
    return f"{_utc_stamp(start)}-{channel}@{domain}"


def feed_window(now: datetime, rota_end: datetime) -> tuple[datetime, datetime]:
    """The span a feed covers: FEED_DAYS_BACK days before now up to the end of the rota."""
    return now - timedelta(days=FEED_DAYS_BACK), rota_end


def shift_description(fields: Sequence[tuple[str, str]]) -> str:
    """Lay out (translated label, value) pairs as 'Label: value' lines, skipping empty values."""
    return "\n".join(f"{label}: {value}" for label, value in fields if value)


@functools.lru_cache(maxsize=64)
def vtimezone(tz: str, start_year: int, end_year: int) -> str:
    """A VTIMEZONE for tz valid from start_year to end_year, generated from the zone data."""
    zone = ZoneInfo(tz)
    observances = _observances(zone, start_year, end_year)
    groups: dict[tuple, list[datetime]] = {}
    for key, onset in observances:
        groups.setdefault(key, []).append(onset)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz}", f"X-LIC-LOCATION:{tz}"]
    for key, onsets in groups.items():
        lines += _observance_lines(key, onsets, end_year + 1)
    lines.append("END:VTIMEZONE")
    return "".join(f"{line}\r\n" for line in lines)


def render_calendar(events: Iterable[FeedEvent], options: FeedOptions) -> bytes:
    """A subscribable feed: calendar name, refresh interval, VTIMEZONE and all events."""
    events = list(events)
    head = _calendar_head(options) + [
        f"NAME:{escape_text(options.name)}",
        f"X-WR-CALNAME:{escape_text(options.name)}",
        f"X-WR-TIMEZONE:{options.tz}",
        f"REFRESH-INTERVAL;VALUE=DURATION:PT{options.refresh_minutes}M",
        f"X-PUBLISHED-TTL:PT{options.refresh_minutes}M",
    ]
    return _calendar(head, events, options)


def render_event_file(event: FeedEvent, options: FeedOptions) -> bytes:
    """A single-shift download: a one-event calendar (METHOD:PUBLISH) without feed properties."""
    return _calendar(_calendar_head(options), [event], options)


def _calendar_head(options: FeedOptions) -> list[str]:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{escape_text(options.prodid)}"]
    head.append("CALSCALE:GREGORIAN")
    if options.method:
        head.append(f"METHOD:{options.method}")
    return head


def _calendar(head: list[str], events: list[FeedEvent], options: FeedOptions) -> bytes:
    zone = ZoneInfo(options.tz)
    chunks = [b"\r\n".join(map(fold_line, head)), b"\r\n"]
    if events:
        first = min(event.start for event in events).astimezone(UTC).year
        last = max(event.end for event in events).astimezone(UTC).year
        chunks.append(vtimezone(options.tz, first, last).encode())
    trigger = "" if options.alarm_minutes is None else f"TRIGGER:-PT{options.alarm_minutes}M"
    for event in events:
        chunks.append(b"\r\n".join(map(fold_line, _event_lines(event, options.tz, zone, trigger))))
        chunks.append(b"\r\n")
    chunks.append(b"END:VCALENDAR\r\n")
    return b"".join(chunks)


def _event_lines(event: FeedEvent, tz: str, zone: ZoneInfo, trigger: str) -> list[str]:
    # DTSTAMP follows LAST-MODIFIED so that the same data always gives the same bytes (ETags).
    summary = escape_text(event.summary)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_utc_stamp(event.last_modified)}",
        f"CREATED:{_utc_stamp(event.created)}",
        f"LAST-MODIFIED:{_utc_stamp(event.last_modified)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTART{_zoned(event.start, tz, zone)}",
        f"DTEND{_zoned(event.end, tz, zone)}",
        f"SUMMARY:{summary}",
        f"DESCRIPTION:{escape_text(event.description)}",
        "STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT",
    ]
    lines += _optional_lines(event)
    if trigger and not event.cancelled:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{summary}", trigger, "END:VALARM"]
    lines.append("END:VEVENT")
    return lines


def _optional_lines(event: FeedEvent) -> list[str]:
    lines = []
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(map(escape_text, event.categories)))
    return lines


def _utc_stamp(moment: datetime) -> str:
    u = moment.astimezone(UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def _zoned(moment: datetime, tz: str, zone: ZoneInfo) -> str:
    """';TZID=…:local', or ':…Z' inside a repeated (fall-back) hour, where local is ambiguous."""
    local = moment.astimezone(zone)
    if local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset():
        return f":{_utc_stamp(moment)}"
    return f";TZID={tz}:{_wall(local)}"


def _wall(t: datetime) -> str:
    return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}{t.second:02d}"


def _state(zone: ZoneInfo, epoch: int) -> tuple:
    local = datetime.fromtimestamp(epoch, zone)
    return local.utcoffset(), bool(local.dst()), local.tzname()


def _transitions(zone: ZoneInfo, start: int, end: int) -> list[tuple[int, tuple, tuple]]:
    """(epoch, state before, state after) of every change of offset, DST or name in [start, end)."""
    found, epoch, state = [], start, _state(zone, start)
    while epoch < end:
        new = _state(zone, epoch + _SCAN_STEP)
        if new != state:
            low, high = epoch, epoch + _SCAN_STEP
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if _state(zone, middle) == state else (low, middle)
            found.append((high, state, new))
            state = new
        epoch += _SCAN_STEP
    return found


def _observances(zone: ZoneInfo, start_year: int, end_year: int) -> list[tuple[tuple, datetime]]:
    """(kind, from, to, name) keys with local onsets, the first one in force on 1 January."""
    # A day's margin: in zones behind UTC, local 31 December is already the new year in UTC.
    begin = int(datetime(start_year, 1, 1, tzinfo=UTC).timestamp()) - 86400
    scan_from = int(datetime(start_year - 1, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(end_year + 2, 1, 1, tzinfo=UTC).timestamp())
    changes = _transitions(zone, scan_from, end)
    earlier = [change for change in changes if change[0] < begin]
    later = [_observance(change) for change in changes if change[0] >= begin]
    if earlier:
        return [_observance(earlier[-1])] + later
    offset, dst, name = _state(zone, begin)
    kind = "DAYLIGHT" if dst else "STANDARD"
    return [((kind, offset, offset, name), datetime(1970, 1, 1))] + later


def _observance(change: tuple[int, tuple, tuple]) -> tuple[tuple, datetime]:
    epoch, (before, _, _), (after, dst, name) = change
    onset = datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None) + before
    return ("DAYLIGHT" if dst else "STANDARD", before, after, name), onset


def _observance_lines(key: tuple, onsets: list[datetime], last_year: int) -> list[str]:
    kind, before, after, name = key
    lines = [f"BEGIN:{kind}", f"DTSTART:{_wall(onsets[0])}"]
    rule = _yearly_rule(onsets)
    if rule and onsets[-1].year < last_year:
        rule += f";UNTIL={_wall(onsets[-1] - before)}Z"
    if rule:
        lines.append(f"RRULE:{rule}")
    elif len(onsets) > 1:
        # ical.js reads only the RDATEs once there are any, so DTSTART is repeated as one.
        lines += [f"RDATE:{_wall(onset)}" for onset in onsets]
    lines += [f"TZOFFSETFROM:{_offset(before)}", f"TZOFFSETTO:{_offset(after)}"]
    return lines + [f"TZNAME:{escape_text(name)}", f"END:{kind}"]


def _yearly_rule(onsets: list[datetime]) -> str | None:
    """FREQ=YEARLY rule generating exactly these onsets (one a year, same weekday), or None."""
    first = onsets[0]
    years = [onset.year for onset in onsets]
    same = {(o.month, o.weekday(), o.time()) for o in onsets} == {
        (first.month, first.weekday(), first.time())
    }
    if len(onsets) < 2 or not same or years != list(range(years[0], years[0] + len(years))):
        return None
    from_end = {(o.day - _month_days(o) - 1) // 7 for o in onsets}
    from_start = {(o.day - 1) // 7 + 1 for o in onsets}
    # "Last Sunday" reads best from the end; "second Sunday" from the start.
    choices = (from_end, from_start) if from_end == {-1} else (from_start, from_end)
    ordinals = [ordinal for ordinal in choices if len(ordinal) == 1]
    if not ordinals:
        return None
    day = f"{ordinals[0].pop()}{_WEEKDAYS[first.weekday()]}"
    return f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={day}"


def _month_days(moment: datetime) -> int:
    following = moment.replace(day=28) + timedelta(days=4)
    return (following - timedelta(days=following.day)).day


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")
