"""A sender killed while sending: its claimed mail goes out after a restart, each message once."""

import os
import signal

from sqlalchemy import func, select

from rota.db import utcnow
from rota.extensions import db
from rota.jobs.lease import JobLease
from rota.outbox.models import OutboxMessage, OutboxStatus
from rota.outbox.service import queue_mail
from tests.support.processes import flask, rota_env, stop, wait_until

QUEUED = 8


def _statuses():
    db.session.expire_all()
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by("status"))
    return dict(rows.all())


def _claims_and_leases_expired():
    db.session.expire_all()
    now = utcnow()
    claims = select(func.max(OutboxMessage.claim_expires_at))
    leases = select(func.max(JobLease.expires_at))
    return all(t is None or t < now for t in (db.session.scalar(claims), db.session.scalar(leases)))


def _queue(count: int) -> None:
    for n in range(count):
        queue_mail(db.session, to=f"asiakas{n}@example.fi", subject=f"Kuittaus {n}", text="Hei")
    db.session.commit()


def _scheduler_env(smtp_sink, tmp_path, **settings) -> dict[str, str]:
    """A scheduler process's settings: this test's database and SMTP server."""
    return rota_env(
        SECRET_KEY="crash-test",
        DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
        INSTANCE_PATH=str(tmp_path),
        MAIL_SERVER=smtp_sink.host,
        MAIL_PORT=smtp_sink.port,
        **settings,
    )


def test_a_scheduler_killed_mid_send_leaves_no_mail_behind_and_sends_none_twice(
    app, smtp_sink, tmp_path
):
    _queue(QUEUED)
    env = _scheduler_env(
        smtp_sink,
        tmp_path,
        OUTBOX_CLAIM_SECONDS=2,  # production: 30 s; short here so the test need not wait long
        JOB_LEASE_SECONDS=2,
    )
    smtp_sink.hold(after=3)  # the fourth message is on the wire when the sender dies
    first = flask("scheduler", env=env, log=tmp_path / "first.log")
    try:
        assert smtp_sink.held.wait(60), (tmp_path / "first.log").read_text()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        stop(first)
    smtp_sink.drop()
    assert len(smtp_sink.messages) == 3
    assert _statuses() == {OutboxStatus.SENT: 3, OutboxStatus.SENDING: QUEUED - 3}

    wait_until(_claims_and_leases_expired, 30, "the dead sender's claims expire")
    second = flask("scheduler", env=env, log=tmp_path / "second.log")
    try:
        received = smtp_sink.wait_for(QUEUED, timeout=60)
    finally:
        stop(second)
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(
        f"asiakas{n}@example.fi" for n in range(QUEUED)
    )
    assert _statuses() == {OutboxStatus.SENT: QUEUED}
    attempts = db.session.scalars(select(OutboxMessage.attempts)).all()
    assert attempts == [1] * QUEUED


def test_a_scheduler_told_twice_to_stop_mid_send_finishes_the_mail_and_exits_cleanly(
    app, smtp_sink, tmp_path
):
    """systemd signals every process of the unit and scripts/serve passes its signal on too:
    the scheduler gets SIGTERM twice while a job runs, and still stops once, cleanly."""
    _queue(2)
    env = _scheduler_env(smtp_sink, tmp_path)
    smtp_sink.hold(after=1)  # the second message is on the wire when the signals come
    log = tmp_path / "scheduler.log"
    process = flask("scheduler", env=env, log=log)
    try:
        assert smtp_sink.held.wait(60), log.read_text()
        for _ in range(2):
            os.killpg(process.pid, signal.SIGTERM)
        smtp_sink.release()
        assert process.wait(30) == 0, log.read_text()
    finally:
        stop(process)
    assert "Traceback" not in log.read_text()
    assert _statuses() == {OutboxStatus.SENT: 2}
    assert len(smtp_sink.wait_for(2)) == 2
