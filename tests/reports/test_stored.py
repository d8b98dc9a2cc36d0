"""The service report's stored per-contact figures: worked out when stale, so that a report
made after a contact was answered, reopened or closed, or after the service hours changed,
counts the new figures; the job works out the stale ones; concurrent reports agree."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from rota.contacts.models import Contact
from rota.extensions import db
from rota.jobs import scheduler as jobs
from rota.reports import service, stored
from rota.reports.figures import Spread
from rota.reports.service import ReportSettings
from rota.schedule.hours import closures
from rota.schedule.hours import patterns as hours
from rota.schedule.models import Channel
from tests.factories import HELSINKI
from tests.reports.history import local
from tests.support.concurrency import at_once
from tests.support.feed_data import stored_token

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
SETTINGS = ReportSettings(HELSINKI, service_time=True)
NOW = datetime.fromisoformat("2026-11-02T12:00+00:00")


@pytest.fixture
def weekdays(app, make):
    """Service hours on weekdays 09–16 and one contact each Monday to Wednesday of a week of
    October, received at 15:00 and not yet answered."""
    pattern = make.service_hours(slots=[(day, 9, 16, "email") for day in range(5)])
    contacts = [
        make.contact(received_at=local(f"2026-10-{day}T15:00"), updated_at=local("2026-10-12"))
        for day in (12, 13, 14)
    ]
    db.session.commit()
    return pattern, contacts


def _first_response(report) -> Spread | None:
    return report.first_response.get("channel:email")


def _report(settings=SETTINGS):
    return service.service_report(db.session, *OCTOBER, settings)


def test_a_contact_answered_after_a_report_counts_in_the_next(weekdays):
    _pattern, (monday, *_rest) = weekdays
    assert _first_response(_report()) is None
    db.session.commit()
    monday.first_response_at = local("2026-10-13T10:00")  # 1 h on Monday, 1 h on Tuesday
    db.session.commit()
    assert _first_response(_report()) == Spread(1, 120.0, 120.0)
    assert _report(ReportSettings(HELSINKI, service_time=False)).first_response[
        "channel:email"
    ] == Spread(1, 1140.0, 1140.0)


def test_a_contact_reopened_after_a_report_has_no_time_to_close(weekdays):
    _pattern, (monday, *_rest) = weekdays
    monday.closed_at = local("2026-10-12T16:00")
    db.session.commit()
    assert _report().time_to_close["channel:email"] == Spread(1, 60.0, 60.0)
    db.session.commit()
    monday.closed_at = None
    db.session.commit()
    assert _report().time_to_close == {}


def test_a_closure_added_after_a_report_changes_the_next_reports_service_minutes(weekdays):
    _pattern, (monday, *_rest) = weekdays
    monday.first_response_at = local("2026-10-14T10:00")  # 1 h + a 7 h Tuesday + 1 h
    db.session.commit()
    assert _first_response(_report()) == Spread(1, 540.0, 540.0)
    db.session.commit()
    closures.add_closure(
        db.session, first=date(2026, 10, 13), last=None, name="Training day", actor_id=None
    )
    db.session.commit()
    assert _first_response(_report()) == Spread(1, 120.0, 120.0)


def test_a_pattern_edit_after_a_report_changes_the_next_reports_service_minutes(weekdays):
    pattern, (monday, *_rest) = weekdays
    monday.first_response_at = local("2026-10-12T17:00")
    db.session.commit()
    assert _first_response(_report()) == Spread(1, 60.0, 60.0)  # 15:00–16:00
    assert _report().inside_hours == 3
    db.session.commit()
    hours.add_slot(
        db.session,
        pattern,
        weekday=0,
        start_time=time(16),
        end_time=time(18),
        channel=Channel.EMAIL.value,
        language="",
    )
    db.session.commit()
    assert _first_response(_report()) == Spread(1, 120.0, 120.0)  # 15:00–17:00


def test_the_job_works_out_the_stale_figures_and_the_report_then_has_none_to_do(weekdays):
    _pattern, (monday, *_rest) = weekdays
    assert jobs.run_job("report-figures", now=NOW).result == 3
    assert jobs.run_job("report-figures", now=NOW + timedelta(minutes=15)).result == 0
    figures = db.session.execute(select(Contact.figures_hour, Contact.figures_inside)).all()
    assert sorted(figures) == [(15, 1), (15 + 24, 1), (15 + 48, 1)]
    monday.first_response_at = local("2026-10-13T10:00")
    db.session.commit()
    assert jobs.run_job("report-figures", now=NOW + timedelta(minutes=30)).result == 1
    period = service.Period.of(*OCTOBER, HELSINKI)
    assert stored.refresh(db.session, HELSINKI, period.start, period.end) == 0
    assert _first_response(_report()) == Spread(1, 120.0, 120.0)


def test_the_command_works_out_every_contacts_figures_again(weekdays, runner):
    _report()
    db.session.commit()
    result = runner.invoke(args=["report", "refresh"])
    assert result.exit_code == 0, result.output
    assert "Worked out the figures of 3 contacts (3 had some)." in result.output


def test_reports_made_at_once_agree_and_leave_no_contact_stale(app, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs row locks between two connections: runs on PostgreSQL")
    make.service_hours(slots=[(day, 9, 16, "email") for day in range(5)])
    for n in range(40):
        received = local("2026-10-05T08:00") + timedelta(hours=7 * n)
        make.contact(received_at=received, updated_at=received, first_response_at=received)
    db.session.commit()
    counted = at_once(app, 4, lambda: (_report().total, _report().first_response))
    assert stored.refresh(db.session, HELSINKI) == 0
    assert counted == [(40, _report().first_response)] * 4


def test_a_report_page_keeps_the_figures_it_worked_out(weekdays, make, login, client):
    login(make.coordinator())
    page = client.get(
        "/reports/service", query_string={"first": "2026-10-01", "last": "2026-10-31"}
    )
    assert page.status_code == 200
    db.session.rollback()
    assert stored.refresh(db.session, HELSINKI) == 0


def test_the_api_keeps_the_figures_it_worked_out(weekdays, client):
    secret = stored_token("reports:read")
    db.session.commit()
    answer = client.get(
        "/api/v1/reports/service?from=2026-10-01&to=2026-10-31",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200
    db.session.rollback()
    assert stored.refresh(db.session, HELSINKI) == 0


def test_the_command_keeps_the_figures_it_worked_out(weekdays, runner, tmp_path):
    period = ["--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv"]
    result = runner.invoke(args=["report", "service", *period, "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert stored.refresh(db.session, HELSINKI) == 0
