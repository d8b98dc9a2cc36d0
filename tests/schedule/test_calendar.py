"""The rota's grid positions (pure): half-hour rows in local time, lanes, the month's weeks."""

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from rota.schedule.calendar import month_weeks, pattern_of, week_grid

HELSINKI = ZoneInfo("Europe/Helsinki")


def entry(day: date, start: tuple, end: tuple):
    times = [datetime(day.year, day.month, day.day, *t, tzinfo=HELSINKI) for t in (start, end)]
    return SimpleNamespace(shift=SimpleNamespace(starts_at=times[0], ends_at=times[1]))


def test_a_shift_keeps_its_wall_clock_row_across_the_clock_change():
    # 2031-03-30 is the last Sunday of March: Saturday is UTC+2, Sunday UTC+3
    saturday, sunday = date(2031, 3, 29), date(2031, 3, 30)
    entries = {saturday: [entry(saturday, (9,), (12,))], sunday: [entry(sunday, (9,), (12,))]}
    grid = week_grid(date(2031, 3, 24), entries, HELSINKI)
    placed = [c.placed[0] for c in grid.columns[5:]]
    assert [(p.row, p.span) for p in placed] == [(1, 6), (1, 6)]
    assert (grid.first_hour, grid.last_hour, grid.rows) == (9, 12, 6)
    assert grid.hours == [(9, 1), (10, 3), (11, 5)]


def test_overlapping_shifts_go_side_by_side_and_a_free_lane_is_used_again():
    monday = date(2031, 1, 6)
    entries = {
        monday: [
            entry(monday, (9,), (15,)),
            entry(monday, (9,), (12,)),
            entry(monday, (12,), (15,)),
            entry(monday, (15,), (17,)),
        ]
    }
    column = week_grid(monday, entries, HELSINKI).columns[0]
    assert column.lanes == 2
    assert [(p.row, p.span, p.lane) for p in column.placed] == [
        (1, 6, 1),
        (1, 12, 2),
        (7, 6, 1),
        (13, 4, 1),
    ]


def test_a_shift_past_midnight_ends_with_its_day_and_an_empty_week_has_working_hours():
    monday = date(2031, 1, 6)
    night = SimpleNamespace(
        shift=SimpleNamespace(
            starts_at=datetime(2031, 1, 6, 20, tzinfo=UTC),  # 22:00 in Helsinki
            ends_at=datetime(2031, 1, 7, 2, tzinfo=UTC),
        )
    )
    grid = week_grid(monday, {monday: [night]}, HELSINKI)
    assert (grid.first_hour, grid.last_hour) == (22, 24)
    assert (grid.columns[0].placed[0].row, grid.columns[0].placed[0].span) == (1, 4)
    empty = week_grid(monday, {}, HELSINKI)
    assert (empty.first_hour, empty.last_hour) == (8, 17)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 1)))
def test_the_month_is_whole_weeks_from_monday_with_each_day_once(day):
    first = day.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    last = date.fromordinal(following.toordinal() - 1)
    weeks = month_weeks(first, last)
    days = [d for week in weeks for d in week if d]
    assert all(len(week) == 7 for week in weeks)
    assert days[0] == first and days[-1] == last and len(days) == last.day
    assert all(d.weekday() == n for week in weeks for n, d in enumerate(week) if d)


def test_every_organisation_keeps_its_pattern_and_neighbours_differ():
    assert [pattern_of(n) for n in range(1, 11)] == [*range(1, 10), 0]
