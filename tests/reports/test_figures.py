"""The reports of a known month add up: contribution, phone costs and the service report."""

from datetime import UTC, datetime

import pytest

from rota.extensions import db
from rota.reports import service
from rota.reports.figures import ServiceClock, Spread, epoch_seconds, months, percentile
from rota.reports.service import ReportSettings
from tests.reports import history
from tests.reports.history import FIRST, LAST
from tests.support.feed_data import stored_token

SETTINGS = ReportSettings(history.HELSINKI, shift_hours=3.0, service_time=True)


@pytest.fixture
def month(app, make):
    return history.build(make)


def _by_name(rows):
    return {row.organisation.short_name: row for row in rows}


def test_contribution_of_the_month(month):
    rows = _by_name(service.contribution(db.session, FIRST, LAST, SETTINGS))
    figures = {
        name: (
            round(r.committed, 6),
            round(r.entitled, 6),
            r.assigned,
            r.covered,
            r.uncovered,
            r.given_away,
            r.taken,
            r.contacts,
            r.call_minutes,
            r.cost_terms,
        )
        for name, r in rows.items()
    }
    assert figures == {
        "A": (31.0, 4.75, 6.0, 6.0, 0.0, 0.0, 3.0, 2, 0.0, ["Project pays the line"]),
        "B": (21.0, 3.75, 3.0, 0.0, 3.0, 3.0, 0.0, 1, 10.0, ["Members split"]),
        "C": (32.0, 3.5, 3.0, 0.0, 3.0, 3.0, 3.0, 0, 0.0, ["Members split"]),
    }


def test_contribution_hours_are_the_shifts_behind_them(month):
    rows = service.contribution(db.session, FIRST, LAST, SETTINGS)
    assert sum(r.assigned for r in rows) == pytest.approx(sum(r.entitled for r in rows)) == 12.0


def test_one_organisations_statement(month):
    (row,) = service.contribution(db.session, FIRST, LAST, SETTINGS, month.org_b.id)
    assert row.organisation.short_name == "B" and row.uncovered == 3.0


def test_phone_costs_by_month_and_payer(month):
    costs = service.phone_costs(db.session, FIRST, history.date(2026, 4, 30), SETTINGS)
    assert [
        (c.month.isoformat(), c.organisation.short_name, c.payer, c.minutes) for c in costs
    ] == [
        ("2026-03-01", "B", "Members split", 10.0),
        ("2026-04-01", "B", "", 2.0),  # withdrawn in March: no terms in force in April
    ]


def test_service_report_of_the_month(month):
    report = service.service_report(db.session, FIRST, LAST, SETTINGS)
    assert report.total == 4
    assert report.by["channel"] == [("email", 3), ("phone", 1)]
    assert report.by["language"] == [("fi", 2), ("en", 1), ("sv", 1)]
    assert report.by["topic"] == [("", 2), ("Job search", 1), ("Study choice", 1)]
    assert report.by["municipality"] == [("", 3), ("Jyväskylä", 1)]
    assert report.by["outcome"] == [("", 2), ("answered", 1), ("referred_member", 1)]
    assert (report.inside_hours, report.outside_hours) == (1, 3)
    assert report.heat == {(4, 16): 1, (1, 10): 1, (5, 12): 1, (6, 0): 1}
    # Sunday 1 March 00:30 belongs to the week of 23 February; the period's every week is listed
    assert [(week.isoformat(), n) for week, n in report.weeks] == [
        ("2026-02-23", 1),
        ("2026-03-02", 1),
        ("2026-03-09", 1),
        ("2026-03-16", 0),
        ("2026-03-23", 1),
        ("2026-03-30", 0),
    ]
    assert report.referrals == [("Org C", 1)]
    assert (report.missed_calls, report.called_back) == (2, 1)
    # Friday 16:05 called back on Monday 09:15 after the clocks went forward: 64 h 10 min
    assert report.call_back_minutes == Spread(1, 3850.0, 3850.0)


def test_response_times_count_service_hours_only(month):
    report = service.service_report(db.session, FIRST, LAST, SETTINGS)
    # Friday 16:00 answered Monday 09:30 is 30 minutes of service time
    assert report.first_response == {
        "channel:email": Spread(1, 30.0, 30.0),
        "channel:phone": Spread(1, 5.0, 5.0),
        "org:A": Spread(1, 30.0, 30.0),
        "org:B": Spread(1, 5.0, 5.0),
    }
    assert report.time_to_close["channel:email"] == Spread(1, 60.0, 60.0)


def test_response_times_in_clock_time_when_the_ring_says_so(month):
    clock = ReportSettings(history.HELSINKI, 3.0, service_time=False)
    report = service.service_report(db.session, FIRST, LAST, clock)
    # Friday 14:00 UTC to Monday 06:30 UTC: 64 h 30 min, though the wall clocks say 65 h 30 min
    assert report.first_response["channel:email"] == Spread(1, 3870.0, 3870.0)
    assert report.time_to_close["org:B"] == Spread(1, 20.0, 20.0)


def test_service_report_counts_what_the_contacts_api_lists(month, client):
    secret = stored_token("contacts:read")
    db.session.commit()
    listed = client.get(
        "/api/v1/contacts?since=2026-01-01T00:00:00Z&limit=500",
        headers={"Authorization": f"Bearer {secret}"},
    ).get_json()["contacts"]
    start, end = (
        service.Period.of(FIRST, LAST, history.HELSINKI).start,
        service.Period.of(FIRST, LAST, history.HELSINKI).end,
    )
    in_month = [c for c in listed if start <= datetime.fromisoformat(c["received_at"]) < end]
    report = service.service_report(db.session, FIRST, LAST, SETTINGS)
    assert len(in_month) == report.total
    channels = sorted({c["channel"] for c in in_month})
    assert [(ch, sum(c["channel"] == ch for c in in_month)) for ch in channels] == sorted(
        report.by["channel"]
    )


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([5, 1, 3], 0.5) == 3
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 12)), 0.9) == 10


def test_service_clock_merges_overlapping_slots():
    def at(hour):
        return datetime(2026, 3, 2, hour, tzinfo=UTC)

    def minutes(start, end):
        return (clock.position(epoch_seconds(end)) - clock.position(epoch_seconds(start))) / 60

    def is_open(hour):
        return clock.open_at(epoch_seconds(at(hour)))

    clock = ServiceClock([(at(9), at(12)), (at(11), at(14)), (at(16), at(17))])
    assert minutes(at(8), at(18)) == 360
    assert minutes(at(13), at(16)) == 60
    assert is_open(13) and not is_open(14) and not is_open(15)


def test_months_cut_to_the_period():
    assert months(history.date(2026, 1, 20), history.date(2026, 3, 3)) == [
        (history.date(2026, 1, 20), history.date(2026, 1, 31)),
        (history.date(2026, 2, 1), history.date(2026, 2, 28)),
        (history.date(2026, 3, 1), history.date(2026, 3, 3)),
    ]


def test_a_backwards_or_too_long_period_is_refused(app):
    from rota.errors import DomainError

    with pytest.raises(DomainError, match="on or after the first day"):
        service.contribution(db.session, LAST, FIRST, SETTINGS)
    with pytest.raises(DomainError, match="two years"):
        service.service_report(db.session, history.date(2020, 1, 1), LAST, SETTINGS)
