"""Expanding weekly service hours into slots: wall-clock times across DST, closures, validity."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from rota.schedule.hours.slots import Template, WeeklySlot, expand, overlapping

HELSINKI = ZoneInfo("Europe/Helsinki")
MORNING = [WeeklySlot(day, time(9), time(12), "phone") for day in range(7)]
EVERY_DAY = Template(date(2026, 1, 1), None, tuple(MORNING))


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_morning_slot_keeps_its_wall_clock_across_the_spring_change():
    slots = {
        s.day: s for s in expand([EVERY_DAY], date(2026, 3, 28), date(2026, 3, 30), (), HELSINKI)
    }
    assert slots[date(2026, 3, 28)].starts_at == utc(2026, 3, 28, 7)  # EET, UTC+2
    assert slots[date(2026, 3, 29)].starts_at == utc(2026, 3, 29, 6)  # EEST from 04:00 that day
    assert slots[date(2026, 3, 30)].starts_at == utc(2026, 3, 30, 6)
    assert {s.hours for s in slots.values()} == {3.0}
    assert all(s.starts_at.astimezone(HELSINKI).time() == time(9) for s in slots.values())
    assert all(s.ends_at.astimezone(HELSINKI).time() == time(12) for s in slots.values())


def test_morning_slot_keeps_its_wall_clock_across_the_autumn_change():
    slots = {
        s.day: s for s in expand([EVERY_DAY], date(2026, 10, 24), date(2026, 10, 26), (), HELSINKI)
    }
    assert slots[date(2026, 10, 24)].starts_at == utc(2026, 10, 24, 6)  # EEST, UTC+3
    assert slots[date(2026, 10, 25)].starts_at == utc(2026, 10, 25, 7)  # EET from 04:00 that day
    assert slots[date(2026, 10, 26)].ends_at == utc(2026, 10, 26, 10)
    assert {s.hours for s in slots.values()} == {3.0}


def test_slot_key_is_local_day_channel_and_local_start():
    [slot] = expand([EVERY_DAY], date(2026, 3, 29), date(2026, 3, 29), (), HELSINKI)
    assert slot.key == "2026-03-29/phone/09:00"


def test_closed_days_have_no_slots_and_slots_come_in_time_order():
    week = Template(
        date(2026, 1, 1),
        None,
        (
            WeeklySlot(0, time(12), time(15), "phone"),
            WeeklySlot(0, time(9), time(15), "email"),
            WeeklySlot(0, time(9), time(12), "phone"),
            WeeklySlot(1, time(9), time(12), "phone"),
        ),
    )
    slots = expand([week], date(2026, 3, 2), date(2026, 3, 10), {date(2026, 3, 3)}, HELSINKI)
    assert [s.key for s in slots] == [
        "2026-03-02/email/09:00",
        "2026-03-02/phone/09:00",
        "2026-03-02/phone/12:00",
        "2026-03-09/email/09:00",
        "2026-03-09/phone/09:00",
        "2026-03-09/phone/12:00",
        "2026-03-10/phone/09:00",
    ]
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)


def test_a_new_template_takes_over_from_its_first_day():
    old = Template(date(2026, 1, 1), date(2026, 3, 8), (WeeklySlot(0, time(9), time(12), "phone"),))
    new = Template(date(2026, 3, 9), None, (WeeklySlot(0, time(10), time(13), "chat", "sv"),))
    slots = expand([old, new], date(2026, 3, 2), date(2026, 3, 9), (), HELSINKI)
    assert [(s.key, s.language) for s in slots] == [
        ("2026-03-02/phone/09:00", None),
        ("2026-03-09/chat/10:00", "sv"),
    ]


def test_overlapping_finds_slots_of_one_channel_and_day_that_overlap():
    morning = WeeklySlot(0, time(9), time(12), "phone")
    assert overlapping([morning, WeeklySlot(0, time(12), time(15), "phone")]) is None
    assert overlapping([morning, WeeklySlot(0, time(9), time(15), "email")]) is None
    assert overlapping([morning, WeeklySlot(1, time(9), time(12), "phone")]) is None
    clash = WeeklySlot(0, time(11), time(13), "phone")
    assert overlapping([clash, morning]) == (morning, clash)


def test_a_slot_inside_the_spring_gap_does_not_exist_that_day():
    night = Template(date(2026, 1, 1), None, (WeeklySlot(6, time(3), time(4), "chat"),))
    slots = expand([night], date(2026, 3, 22), date(2026, 4, 5), (), HELSINKI)
    assert [s.day for s in slots] == [date(2026, 3, 22), date(2026, 4, 5)]
