"""Scheduled jobs: leases, reminders the day before (once, in the person's language), coverage
warnings (once a day), and the scheduler wiring."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rota.extensions import db
from rota.jobs import scheduler as jobs
from rota.jobs.lease import JobLease
from rota.outbox.models import OutboxMessage
from rota.schedule.models import CoverageMail, Shift
from tests import factories

NOW = datetime(2026, 3, 29, 6, tzinfo=UTC)  # Sunday 09:00 in Helsinki
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mail_app(app_config, smtp_sink):
    app_config["MAIL_PORT"] = smtp_sink.port
    app_config["MAIL_SUPPRESS_SEND"] = False  # Flask-Mail suppresses sending when TESTING
    return smtp_sink


def test_a_lease_held_by_one_scheduler_keeps_the_other_out_until_it_expires(app):
    ttl = timedelta(minutes=10)
    assert jobs.acquire_lease(db.session, "outbox", "host-a:1", NOW, ttl)
    assert not jobs.acquire_lease(db.session, "outbox", "host-b:2", NOW + timedelta(minutes=9), ttl)
    assert jobs.acquire_lease(db.session, "outbox", "host-b:2", NOW + ttl, ttl)
    jobs.release_lease(db.session, "outbox", "host-b:2", NOW + ttl)
    lease = db.session.get(JobLease, "outbox")
    assert (lease.holder, lease.last_run_at) == ("host-b:2", NOW + ttl)
    assert jobs.acquire_lease(db.session, "outbox", "host-a:1", NOW + ttl, ttl)


def test_a_job_whose_lease_is_held_elsewhere_is_skipped(app):
    jobs.acquire_lease(db.session, "coverage", "other-host:9", NOW, timedelta(minutes=10))
    assert jobs.run_job("coverage", now=NOW, holder="this-host:1").ran is False
    assert jobs.run_job("coverage", now=NOW + timedelta(minutes=10), holder="this-host:1").ran


def _racer(url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("lease_racer.py")), url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_two_scheduler_processes_racing_for_a_lease_run_the_job_once(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two OS processes share the lease through PostgreSQL (ROTA_TEST_POSTGRES_URL)")
    url = db.engine.url.render_as_string(hide_password=False)
    racers = [_racer(url), _racer(url)]
    try:
        assert [r.stdout.readline().strip() for r in racers] == ["ready", "ready"]
        for racer in racers:
            racer.stdin.write("go\n")
            racer.stdin.flush()
        # The holder blocks inside the job until told to finish; the other must skip meanwhile.
        first_words = [r.stdout.readline().strip() for r in racers]
        assert sorted(first_words) == ["running", "skipped"]
        holder = racers[first_words.index("running")]
        holder.stdin.write("finish\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "ran"
    finally:
        for racer in racers:
            racer.stdin.close()
            racer.wait(timeout=30)
            racer.stdout.close()
    assert db.session.get(JobLease, "race").last_run_at is not None


@pytest.fixture
def tomorrow_shift(app, make):
    org = make.org(name="Org A")
    finn = make.counsellor(org, name="Aino", email="aino@example.fi")
    swede = make.counsellor(org, name="Elin", email="elin@example.fi")
    english = make.counsellor(org, name="Ann", email="ann@example.fi")  # no locale: the default
    finn.locale, swede.locale = "fi", "sv"
    shifts = [
        make.shift(org, start="2026-03-30T09:00", counsellor=finn),
        make.shift(org, start="2026-03-30T12:00", counsellor=swede),
        make.shift(org, start="2026-03-30T09:00", channel="email", counsellor=english),
        make.shift(org, start="2026-03-31T09:00", counsellor=finn),  # the day after: not yet
    ]
    db.session.commit()
    return shifts


def test_reminders_go_once_per_shift_in_the_counsellors_language(mail_app, tomorrow_shift):
    assert jobs.run_job("reminders", now=NOW).result == 3
    assert jobs.run_job("reminders", now=NOW + timedelta(hours=1)).result == 0
    received = {m.rcpt_tos[0]: m.message for m in mail_app.wait_for(3)}
    assert len(mail_app.messages) == 3
    bodies = {to: msg.get_content() for to, msg in received.items()}
    assert "maanantaina 30.3.2026 09:00–12:00" in bodies["aino@example.fi"]
    assert "måndag 30.3.2026 12:00–15:00" in bodies["elin@example.fi"]
    assert "Monday 30.3.2026 09:00–12:00" in bodies["ann@example.fi"]
    assert "Org A" in bodies["ann@example.fi"] and bodies["aino@example.fi"].startswith("Hei Aino")
    reminded = db.session.scalars(db.select(Shift).where(Shift.reminded_at.is_not(None))).all()
    assert {s.id for s in reminded} == {s.id for s in tomorrow_shift[:3]}


def test_no_reminder_for_a_counsellor_who_is_away(tomorrow_shift):
    from datetime import date
    from zoneinfo import ZoneInfo

    from rota.schedule.absences import record_absence

    aino = tomorrow_shift[0].counsellor
    record_absence(
        db.session,
        aino,
        person_id=aino.id,
        first_day=date(2026, 3, 30),
        last_day=date(2026, 3, 30),
        reason="",
        zone=ZoneInfo("Europe/Helsinki"),
        now=NOW,
        settings=factories.mail_settings(),
    )
    db.session.commit()
    jobs.run_job("reminders", now=NOW)
    reminders = db.select(OutboxMessage).where(OutboxMessage.kind == "shift-reminder")
    recipients = [m.recipients for m in db.session.scalars(reminders)]
    assert ["aino@example.fi"] not in recipients and len(recipients) == 2


def test_coverage_warning_is_mailed_once_a_day_to_coordinator_and_the_organisation(
    mail_app, app, make
):
    org_a, org_b = make.org(name="Org A"), make.org(name="Org B")
    make.coordinator(email="coord@example.fi")
    make.org_admin(org_a, email="admin-a@example.fi")
    make.org_admin(org_b, email="admin-b@example.fi")
    make.shift(org_a, start="2026-04-02T09:00")  # no counsellor, within 14 days
    make.shift(org_b, start="2026-04-02T12:00", counsellor=make.counsellor(org_b))
    make.shift(org_b, start="2026-04-20T09:00")  # beyond 14 days
    db.session.commit()
    assert jobs.run_job("coverage", now=NOW).result == 2
    assert jobs.run_job("coverage", now=NOW + timedelta(hours=12)).result == 0
    received = {m.rcpt_tos[0]: m.message.get_content() for m in mail_app.wait_for(2)}
    assert set(received) == {"coord@example.fi", "admin-a@example.fi"}
    assert "No counsellor" in received["coord@example.fi"]
    assert "Org A" in received["admin-a@example.fi"]
    next_day = NOW + timedelta(days=1)
    assert jobs.run_job("coverage", now=next_day).result == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(CoverageMail)) == 4


def test_outbox_job_retries_due_mail(mail_app, app):
    from rota.outbox.service import queue_mail

    queue_mail(db.session, to="x@example.fi", subject="Hello", text="Body")
    db.session.commit()
    assert jobs.run_job("outbox", now=datetime.now(UTC) + timedelta(minutes=1)).result == 1
    assert mail_app.wait_for(1)[0].rcpt_tos == ("x@example.fi",)


def test_horizon_job_extends_the_rota_with_generation(app):
    assert jobs.run_job("horizon", now=NOW).result == 0  # no service hours yet: nothing to add


def test_scheduler_has_every_registered_job_in_the_service_zone(app):
    scheduler = jobs.build_scheduler(app)
    assert {job.id for job in scheduler.get_jobs()} >= {
        "horizon",
        "reminders",
        "coverage",
        "outbox",
    }
    assert str(scheduler.timezone) == "Europe/Helsinki"
