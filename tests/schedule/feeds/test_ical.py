"""Shift feeds: read back by icalendar and by ical.js exactly as they were meant."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rota.schedule.feeds.ical import (
    FeedEvent,
    FeedOptions,
    escape_text,
    feed_window,
    fold_line,
    render_calendar,
    render_event_file,
    shift_description,
    slot_uid,
    vtimezone,
)
from tests.support.icaljs import parse_with_icaljs

HELSINKI = ZoneInfo("Europe/Helsinki")
CREATED = datetime(2025, 12, 1, 10, tzinfo=UTC)
# Days either side of the DST changes: 2026-03-29, 2026-10-25, 2027-03-28, 2027-10-31.
WINTER_DAYS = ["2026-03-28", "2026-10-26", "2027-03-27", "2027-11-01"]
SUMMER_DAYS = ["2026-03-30", "2026-10-24", "2027-03-29", "2027-10-30"]
NORDIC = (
    "Päivystäjä: Åsa Öhman, Ärrä-ääkköset; Jyväskylän kriisikeskus\\Mieli ry, "
    "Tjänstgöring på svenska: rådgivning för unga i Åbo, Vörå och Närpes.\n"
    "Toinen rivi – puhelin +358 40 123 4567, sähköposti: ohjaus@example.fi 😀"
)


def make_event(day="2026-03-30", **overrides):
    """A 09:00–12:00 Helsinki shift on day, with overrides."""
    start = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=HELSINKI).astimezone(UTC)
    fields = {
        "uid": slot_uid("chat", start, "rota.example"),
        "start": start,
        "end": start + timedelta(hours=3),
        "summary": "Chat-päivystys",
        "description": "Kanava: chat",
        "sequence": 0,
        "last_modified": CREATED,
        "created": CREATED,
    }
    return FeedEvent(**(fields | overrides))


def parse(data):
    """The calendar as icalendar reads it."""
    return icalendar.Calendar.from_ical(data)


def feed(events, **options):
    """Render a feed named 'Rota' with options."""
    return render_calendar(events, FeedOptions(name="Rota", **options))


def utc_of(local_day, hour):
    """The UTC instant of hour:00 Helsinki wall time on local_day."""
    return datetime.fromisoformat(f"{local_day}T{hour:02d}:00").replace(tzinfo=HELSINKI)


def test_shifts_around_dst_changes_stay_at_nine_local_in_icaljs():
    data = feed([make_event(day) for day in WINTER_DAYS + SUMMER_DAYS])
    events = {e["start"]["local"][:10]: e for e in parse_with_icaljs(data)["events"]}
    for day in WINTER_DAYS + SUMMER_DAYS:
        expected = "07:00:00Z" if day in WINTER_DAYS else "06:00:00Z"
        assert events[day]["start"]["local"] == f"{day}T09:00:00"
        assert events[day]["start"]["tzid"] == "Europe/Helsinki"
        assert events[day]["start"]["utc"] == f"{day}T{expected}"
        assert events[day]["end"]["local"] == f"{day}T12:00:00"


def test_shifts_around_dst_changes_stay_at_nine_local_in_icalendar():
    calendar = parse(feed([make_event(day) for day in WINTER_DAYS + SUMMER_DAYS]))
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute, str(start.tzinfo)) == (9, 0, "Europe/Helsinki")
        assert event.decoded("DTEND").hour == 12
        expected_hour = 7 if start.date().isoformat() in WINTER_DAYS else 6
        assert start.astimezone(UTC).hour == expected_hour


def test_every_instant_of_two_years_reads_back_the_same_in_icaljs():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    instants = [start + timedelta(minutes=30 * i) for i in range(0, 2 * 365 * 48, 11)]
    instants += [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ]
    events = [
        make_event(uid=str(i), start=t, end=t + timedelta(hours=1)) for i, t in enumerate(instants)
    ]
    parsed = parse_with_icaljs(feed(events))["events"]
    assert [e["start"]["utc"] for e in parsed] == [f"{t:%Y-%m-%dT%H:%M:%S}Z" for t in instants]


def test_repeated_fall_back_hour_is_written_in_utc():
    first, second = (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    text = feed(
        [make_event(start=first, end=second), make_event(start=second, end=second)]
    ).decode()
    assert "DTSTART:20261025T003000Z" in text
    assert "DTSTART:20261025T013000Z" in text


@pytest.mark.parametrize(
    ("tz", "years"),
    [
        ("Europe/Helsinki", (2026, 2027)),
        ("Europe/Helsinki", (1980, 1984)),
        ("America/New_York", (2006, 2008)),
        ("Australia/Lord_Howe", (2026, 2026)),
        ("Asia/Tokyo", (2026, 2026)),
    ],
)
def test_vtimezone_matches_zone_data_every_hour(tz, years):
    text = f"BEGIN:VCALENDAR\r\n{vtimezone(tz, *years)}END:VCALENDAR\r\n"
    generated = parse(text).walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    zone, start = ZoneInfo(tz), datetime(years[0], 1, 1, tzinfo=UTC)
    hours = int((datetime(years[1] + 1, 1, 1, tzinfo=UTC) - start).total_seconds()) // 3600
    for hour in range(hours):
        moment = start + timedelta(hours=hour)
        assert moment.astimezone(generated).utcoffset() == moment.astimezone(zone).utcoffset()


def test_helsinki_vtimezone_uses_the_current_eu_rule():
    text = vtimezone("Europe/Helsinki", 2026, 2027)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in text
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in text
    assert "DTSTART:20260329T030000" in text
    assert re.search(r"DTSTART:20251026T040000\r\nRRULE", text)


def test_historic_rules_use_one_rdate_per_line_which_icaljs_reads():
    text = vtimezone("Europe/Helsinki", 1981, 1984)
    assert re.findall(r"RDATE:\d{8}T\d{6}\r\n", text)
    assert "," not in "".join(re.findall(r"RDATE:[^\r]*", text))
    days = ["1981-03-28", "1981-03-30", "1982-03-29", "1983-09-26", "1984-09-29"]
    summer = {"1981-03-30", "1982-03-29", "1984-09-29"}
    parsed = parse_with_icaljs(feed([make_event(day, uid=day) for day in days]))
    for event in parsed["events"]:
        expected = "06:00:00Z" if event["uid"] in summer else "07:00:00Z"
        assert event["start"]["local"][11:] == "09:00:00"
        assert event["start"]["utc"] == f"{event['uid']}T{expected}"


def test_uid_of_a_slot_survives_changes_while_sequence_and_last_modified_grow():
    original = make_event()
    changed = replace(
        original,
        summary="Chat-päivystys (peruttu)",
        cancelled=True,
        sequence=1,
        last_modified=CREATED + timedelta(days=2),
    )
    before, after = (parse(feed([e])).walk("VEVENT")[0] for e in (original, changed))
    assert before["UID"] == after["UID"] == slot_uid("chat", original.start, "rota.example")
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")


def test_slot_uid_depends_on_channel_and_start_only():
    start = utc_of("2026-03-30", 9)
    assert slot_uid("chat", start, "r.fi") == slot_uid("chat", start.astimezone(UTC), "r.fi")
    assert slot_uid("chat", start, "r.fi") == "20260330T060000Z-chat@r.fi"
    assert slot_uid("phone", start, "r.fi") != slot_uid("chat", start, "r.fi")


def test_cancelled_shift_stays_in_feed_as_cancelled_without_reminder():
    data = feed([make_event(), make_event("2026-03-31", cancelled=True)], alarm_minutes=15)
    statuses = {e["start"]["local"][:10]: e for e in parse_with_icaljs(data)["events"]}
    assert statuses["2026-03-30"]["status"] == "CONFIRMED"
    assert statuses["2026-03-31"]["status"] == "CANCELLED"
    assert statuses["2026-03-30"]["alarms"] == ["-PT15M"]
    assert statuses["2026-03-31"]["alarms"] == []


def test_every_shift_is_transparent_so_it_blocks_no_time():
    events = parse(feed([make_event(), make_event("2026-04-01", cancelled=True)])).walk("VEVENT")
    assert [event["TRANSP"] for event in events] == ["TRANSPARENT", "TRANSPARENT"]


@pytest.mark.parametrize("minutes", [None, 0, 30])
def test_valarm_only_when_the_feed_asks_for_reminders(minutes):
    calendar = parse(feed([make_event()], alarm_minutes=minutes))
    alarms = calendar.walk("VALARM")
    if minutes is None:
        assert alarms == []
    else:
        assert [alarm.decoded("TRIGGER") for alarm in alarms] == [timedelta(minutes=-minutes)]
        assert alarms[0]["ACTION"] == "DISPLAY"


def test_feed_carries_name_and_refresh_interval():
    data = feed([make_event()], refresh_minutes=60)
    text = data.decode()
    for line in [
        "NAME:Rota",
        "X-WR-CALNAME:Rota",
        "REFRESH-INTERVAL;VALUE=DURATION:PT60M",
        "X-PUBLISHED-TTL:PT60M",
        "METHOD:PUBLISH",
    ]:
        assert f"\r\n{line}\r\n" in text
    calendar = parse_with_icaljs(data)["calendar"]
    assert (calendar["x-wr-calname"], calendar["refresh-interval"]) == ("Rota", "PT60M")


def test_single_shift_download_is_one_published_event_without_feed_properties():
    data = render_event_file(make_event(), FeedOptions(name="Rota"))
    calendar = parse(data)
    assert calendar["METHOD"] == "PUBLISH"
    assert len(calendar.walk("VEVENT")) == 1
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert "X-WR-CALNAME" not in calendar and "REFRESH-INTERVAL" not in calendar


def test_special_characters_and_nordic_text_round_trip_in_both_parsers():
    event = make_event(summary=NORDIC, description=NORDIC + "\r\n,;\\", location="Åbo, Vörå")
    data = feed([event])
    parsed = parse(data).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == NORDIC
    assert str(parsed["DESCRIPTION"]) == NORDIC + "\n,;\\"
    assert str(parsed["LOCATION"]) == "Åbo, Vörå"
    js = parse_with_icaljs(data)["events"][0]
    assert (js["summary"], js["description"]) == (NORDIC, NORDIC + "\n,;\\")


def test_lines_are_crlf_folded_at_75_octets_on_character_boundaries():
    data = feed([make_event(summary=NORDIC * 3, description="ä" * 200)])
    assert b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode()


@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=300))
def test_any_text_round_trips_through_icalendar(text):
    event = make_event(summary=text or "x", description=text)
    parsed = parse(feed([event])).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == (text or "x")
    assert str(parsed["DESCRIPTION"]) == text


def test_escape_text_and_fold_line_follow_rfc_5545():
    assert escape_text("a\\b;c,d\ne\r\nf\x00") == "a\\\\b\\;c\\,d\\ne\\nf"
    folded = fold_line("X:" + "å" * 80)
    assert [len(part) for part in folded.split(b"\r\n")] == [74, 75, 15]  # never splits an å
    assert all(part.decode() for part in folded.split(b"\r\n"))


def test_categories_url_and_description_layout():
    description = shift_description([("Kanava", "chat"), ("Päivystäjä", ""), ("Puhelin", "+358")])
    event = make_event(
        description=description, url="https://rota.example/s/1", categories=("a,b", "c")
    )
    parsed = parse(feed([event])).walk("VEVENT")[0]
    assert str(parsed["DESCRIPTION"]) == "Kanava: chat\nPuhelin: +358"
    assert str(parsed["URL"]) == "https://rota.example/s/1"
    assert [str(c) for c in parsed["CATEGORIES"].cats] == ["a,b", "c"]


def test_feed_window_reaches_thirty_days_back_to_the_end_of_the_rota():
    now, end = datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 8, 31, tzinfo=UTC)
    assert feed_window(now, end) == (datetime(2026, 4, 1, tzinfo=UTC), end)


def test_empty_feed_still_parses():
    assert parse(feed([])).walk("VEVENT") == []


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        make_event(start=datetime(2026, 3, 30, 9))
