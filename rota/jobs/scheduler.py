"""Scheduled jobs: the only place APScheduler is touched.

`flask --app rota scheduler` runs them; web workers never do. Each job is a plain function
`job(session, now)` that is idempotent and commits its own work (it is a boundary, like a view).
Before a job runs it takes its database lease (`rota.jobs.lease`), so two scheduler processes never run the same job at once.
Registering a job is one line: `register(name, function, trigger, **trigger_args)`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from rota.contacts.mail.poll import poll_mailbox
from rota.contacts.routing.service import hand_over
from rota.db import utcnow
from rota.extensions import db, mail
from rota.jobs.lease import acquire_lease, holder_name, release_lease
from rota.outbox.service import MailSettings, deliver, release_stale_claims
from rota.schedule import notify
from rota.schedule.planning import generation

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    """A scheduled job: its function, APScheduler trigger and how long its lease lasts."""

    name: str
    func: Callable[[Session, datetime], object]
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    lease: timedelta = DEFAULT_LEASE


@dataclass(frozen=True)
class JobRun:
    """The outcome of one attempt: whether this process held the lease and ran the job."""

    name: str
    ran: bool
    result: object = None


JOBS: dict[str, Job] = {}


def register(name: str, func, trigger: str, *, lease=DEFAULT_LEASE, **trigger_args) -> Job:
    """Add a job to the scheduler, e.g. register("reminders", f, "cron", hour=18)."""
    JOBS[name] = Job(name, func, trigger, trigger_args, lease)
    return JOBS[name]


def run_job(name: str, now: datetime | None = None, holder: str | None = None) -> JobRun:
    """Run a registered job under its lease (needs an app context); skip if another holds it."""
    job, session = JOBS[name], db.session
    now, holder = now or utcnow(), holder or holder_name()
    if not acquire_lease(session, name, holder, now, job.lease):
        log.info("job %s skipped: another scheduler holds its lease", name)
        return JobRun(name, ran=False)
    try:
        result = job.func(session, now)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("job %s failed", name)
        raise
    finally:
        release_lease(session, name, holder, now)
    log.info("job %s done: %s", name, result)
    return JobRun(name, ran=True, result=result)


def _deliver_now(session: Session, now: datetime, ids: list[int]) -> int:
    session.commit()
    return deliver(
        session, mail, now, ids=ids, max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"]
    )


def extend_horizon(session: Session, now: datetime) -> int:
    """Extend the rota to the configured horizon; returns the number of new shifts."""
    settings = generation.RotaSettings.from_config(current_app.config)
    return generation.generate(session, None, now, settings=settings).created


def send_reminders(session: Session, now: datetime) -> int:
    """Remind tomorrow's counsellors (once per shift); returns how many mails were queued."""
    ids = notify.send_reminders(session, now, MailSettings.from_config(current_app.config))
    _deliver_now(session, now, ids)
    return len(ids)


def send_coverage_warnings(session: Session, now: datetime) -> int:
    """Mail today's coverage warning (once a day per audience); returns mails queued."""
    config = current_app.config
    settings = MailSettings.from_config(config)
    ids = notify.send_coverage_warnings(session, now, config["COVERAGE_DAYS"], settings)
    _deliver_now(session, now, ids)
    return len(ids)


def deliver_outbox(session: Session, now: datetime) -> int:
    """Retry due outbox mail and free claims of senders that died; returns mails sent."""
    release_stale_claims(session, now)
    return _deliver_now(session, now, None)


def poll_mail(session: Session, now: datetime) -> str:
    """Read the shared mailbox once with the app's configuration; returns what it did."""
    return poll_mailbox(session, current_app.config, now).summary()


register("horizon", extend_horizon, "cron", hour=2, minute=15, lease=timedelta(minutes=30))
register("reminders", send_reminders, "cron", hour="8-20", minute=5)
register("coverage", send_coverage_warnings, "cron", hour=7, minute=30)
register("outbox", deliver_outbox, "interval", minutes=1)
register("mail", poll_mail, "interval", minutes=1, lease=timedelta(minutes=30))
register("handover", hand_over, "interval", minutes=5)


def _run_in_app(app, name: str) -> None:
    with app.app_context():
        try:
            run_job(name)
        finally:
            db.session.remove()


def build_scheduler(app) -> BlockingScheduler:
    """A scheduler with every registered job, in the service's time zone (not started)."""
    scheduler = BlockingScheduler(timezone=ZoneInfo(app.config["TIMEZONE"]))
    for job in JOBS.values():
        scheduler.add_job(
            _run_in_app,
            job.trigger,
            args=[app, job.name],
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=300,
            **job.trigger_args,
        )
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduled jobs until stopped (one or more such processes; leases keep order)."""
    scheduler = build_scheduler(current_app._get_current_object())
    click.echo(f"Scheduler running jobs: {', '.join(JOBS)} (holder {holder_name()}).")
    scheduler.start()


@click.command("run-job")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@with_appcontext
def run_job_command(name):
    """Run one scheduled job now, under its lease."""
    outcome = run_job(name)
    click.echo(f"{name}: {outcome.result}" if outcome.ran else f"{name}: skipped (lease held)")
