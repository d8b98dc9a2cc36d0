"""Response times in service hours as the service report's SQL counts them, on SQLite and
PostgreSQL: across a closure day and the autumn clock change, on the edges of the service
hours, answered after the period; and the local hours of contacts in the repeated hour."""

from datetime import UTC, date, datetime

import pytest

from rota.extensions import db
from rota.reports import service
from rota.reports.figures import Spread, zone_offsets
from rota.reports.service import ReportSettings
from rota.schedule.hours import closures
from tests.factories import HELSINKI
from tests.reports.history import local

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))  # clocks go back on Sunday the 25th
SETTINGS = ReportSettings(HELSINKI, service_time=True)
# organisation → (received, first response), Helsinki wall-clock times
ANSWERS = {
    # Wednesday 15:00, Thursday closed, answered Friday 10:00: 1 h + 1 h
    "closure": ("2026-10-07T15:00", "2026-10-09T10:00"),
    # Friday 15:30 summer time, answered Monday 09:30 winter time: 30 min + 30 min
    "clock change": ("2026-10-23T15:30", "2026-10-26T09:30"),
    # opening time to closing time: the whole day
    "open to close": ("2026-10-12T09:00", "2026-10-12T16:00"),
    # closing time to the next opening: no service time at all
    "close to open": ("2026-10-13T16:00", "2026-10-14T09:00"),
    # Friday 15:00 answered after the period, on Monday 2 November 09:15: 1 h + 15 min
    "after the period": ("2026-10-30T15:00", "2026-11-02T09:15"),
}


@pytest.fixture
def answered(app, make):
    make.service_hours(slots=[(day, 9, 16, "email") for day in range(5)])
    closures.add_closure(
        db.session, first=date(2026, 10, 8), last=None, name="Training day", actor_id=None
    )
    for name, (received, responded) in ANSWERS.items():
        org = make.org(name=name, short_name=name)
        make.contact(
            org=org,
            received_at=local(received),
            updated_at=local(received),
            first_response_at=local(responded),
        )
    # Sunday 25 October 03:30 twice: summer time (00:30 UTC), then winter time (01:30 UTC)
    for hour in (0, 1):
        make.contact(received_at=datetime(2026, 10, 25, hour, 30, tzinfo=UTC))
    db.session.commit()


def test_service_time_skips_closures_and_nights_across_the_clock_change(answered):
    report = service.service_report(db.session, *OCTOBER, SETTINGS)
    minutes = {key.removeprefix("org:"): s for key, s in report.first_response.items()}
    assert minutes == {
        "closure": Spread(1, 120.0, 120.0),
        "clock change": Spread(1, 60.0, 60.0),
        "open to close": Spread(1, 420.0, 420.0),
        "close to open": Spread(1, 0.0, 0.0),
        "after the period": Spread(1, 75.0, 75.0),
        "channel:email": Spread(5, 75.0, 420.0),  # nearest ranks of 0, 60, 75, 120, 420
    }


def test_opening_time_is_inside_and_closing_time_outside(answered):
    report = service.service_report(db.session, *OCTOBER, SETTINGS)
    # inside: 15:00 Wednesday, 15:30 Friday, 09:00 Monday, 15:00 Friday; outside: 16:00 and
    # the two Sunday nights
    assert (report.inside_hours, report.outside_hours) == (4, 3)


def test_both_sunday_contacts_in_the_repeated_hour_count_at_three(answered):
    report = service.service_report(db.session, *OCTOBER, SETTINGS)
    assert report.heat[(6, 3)] == 2
    assert report.heat[(4, 15)] == 2  # Friday 15:30 summer time and 15:00 winter time
    assert report.heat[(0, 9)] == 1


def test_clock_time_counts_the_extra_hour_of_the_night(answered):
    report = service.service_report(
        db.session, *OCTOBER, ReportSettings(HELSINKI, service_time=False)
    )
    # Friday 12:30 UTC to Monday 07:30 UTC: 67 hours, though the wall clocks say 66
    assert report.first_response["org:clock change"] == Spread(1, 4020.0, 4020.0)


def test_zone_offsets_change_on_the_second():
    start, end = local("2026-01-01T00:00"), local("2027-01-01T00:00")
    assert zone_offsets(HELSINKI, start, end) == [
        (start.timestamp(), 7200),
        (datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp(), 10800),
        (datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp(), 7200),
    ]


def test_an_answer_weeks_after_the_period_counts_every_service_day_up_to_it(app, make):
    make.service_hours(slots=[(day, 9, 16, "email") for day in range(5)])
    make.contact(
        received_at=local("2026-10-30T15:00"),
        updated_at=local("2026-10-30T15:00"),
        first_response_at=local("2026-12-15T10:00"),
    )
    db.session.commit()
    report = service.service_report(db.session, *OCTOBER, SETTINGS)
    # Friday 15:00–16:00, 31 weekdays of 7 h from 2 November to 14 December, Tuesday 09:00–10:00
    assert report.first_response["channel:email"] == Spread(1, 13140.0, 13140.0)
