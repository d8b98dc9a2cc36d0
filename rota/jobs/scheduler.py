"""Scheduled jobs: the only place APScheduler is touched.

`flask --app rota scheduler` runs them; web workers never do. Each job is a plain function
`job(session, now)` that is idempotent and commits its own work (it is a boundary, like a view).
Every job has a cron schedule in the service's zone, the same on every host, so each scheduled
run has a slot (the time it was due). Before a job runs it takes its database lease
(`rota.jobs.lease`) for that slot: any number of scheduler processes may run, a job never runs
twice at once nor twice for one slot. Frequent jobs also run once as a scheduler starts, so
mail left by a process that died goes out at once after a restart.
Registering a job is one line: `register(name, function, **cron_fields)`.
"""

from __future__ import annotations

import logging
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from rota.contacts.mail.poll import poll_mailbox
from rota.contacts.routing.service import hand_over
from rota.db import utcnow
from rota.extensions import db, mail
from rota.jobs.lease import LeaseKeeper, acquire_lease, holder_name, release_lease
from rota.links import external_url
from rota.members import lifecycle
from rota.ops import logs
from rota.ops.metrics import JOB_RUNS, JOB_SECONDS, count_poll
from rota.outbox.delivery import DeliverySettings, deliver, release_stale_claims
from rota.outbox.service import MailSettings
from rota.privacy import retention
from rota.privacy.storage import reclaim
from rota.reports import feedback, monthly, stored
from rota.reports.service import ReportSettings
from rota.schedule import notify
from rota.schedule.planning import generation

# APScheduler itself is imported by the scheduler process only, not by web workers
if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

MISFIRE_GRACE = timedelta(minutes=5)  # a run this late still counts for its slot


@dataclass(frozen=True)
class Job:
    """A scheduled job: its function, its cron fields, and whether it also runs at start."""

    name: str
    func: Callable[[Session, datetime], object]
    cron: dict = field(default_factory=dict)
    at_start: bool = False


@dataclass(frozen=True)
class JobRun:
    """The outcome of one attempt: whether this process held the lease and ran the job."""

    name: str
    ran: bool
    result: object = None
    slot: datetime | None = None


JOBS: dict[str, Job] = {}


def register(name: str, func, *, at_start: bool = False, **cron) -> Job:
    """Add a job to the scheduler, e.g. register("reminders", f, hour=18, minute=5)."""
    JOBS[name] = Job(name, func, cron, at_start)
    return JOBS[name]


def due_slot(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest time at or before `now` the trigger was due (within the misfire grace)."""
    slot, fire = None, trigger.get_next_fire_time(None, now - MISFIRE_GRACE)
    while fire is not None and fire <= now:
        slot, fire = fire, trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return slot


def run_job(name: str, now=None, holder=None, slot=None) -> JobRun:
    """Run a registered job under its lease (needs an app context); skip if another holds it
    or already ran it for `slot` (None: a run outside the schedule, e.g. by hand)."""
    job, session = JOBS[name], db.session
    now, holder = now or utcnow(), holder or holder_name()
    ttl = timedelta(seconds=float(current_app.config["JOB_LEASE_SECONDS"]))
    if not acquire_lease(session, name, holder, now, ttl, slot):
        log.info("job %s skipped: another scheduler holds its lease or ran it", name)
        JOB_RUNS.labels(name, "skipped").inc()
        return JobRun(name, ran=False, slot=slot)
    started, outcome = time.perf_counter(), "failed"
    try:
        with LeaseKeeper(db.engine, name, holder, now, ttl):
            result = job.func(session, now)
            session.commit()
        outcome = "ok"
    except Exception:
        session.rollback()
        log.exception("job %s failed", name)
        raise
    finally:
        release_lease(session, name, holder, now)
        JOB_RUNS.labels(name, outcome).inc()
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    log.info("job %s done: %s", name, result)
    return JobRun(name, ran=True, result=result, slot=slot)


def _deliver_now(session: Session, now: datetime, ids: list[int] | None) -> int:
    session.commit()
    settings = DeliverySettings.from_config(current_app.config)
    return deliver(session, mail, now, ids=ids, settings=settings)


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


def send_signature_reminders(session: Session, now: datetime) -> int:
    """Remind organisation admins of signatures ending and versions awaiting them (once per
    stage); returns how many mails were queued."""
    config = current_app.config
    mail_settings = MailSettings.from_config(config)
    ids = lifecycle.send_signature_reminders(
        session, now, mail_settings, lifecycle.MemorandumSettings.from_config(config)
    )
    _deliver_now(session, now, ids)
    return len(ids)


def send_feedback_requests(session: Session, now: datetime) -> int:
    """Ask the clients of newly closed contacts for feedback (when the ring does); returns
    how many mails were queued."""
    settings = feedback.FeedbackSettings.from_config(current_app.config)
    ids = feedback.request_feedback(
        session, now, settings, lambda secret: external_url("reports.feedback_page", secret=secret)
    )
    _deliver_now(session, now, ids)
    return len(ids)


def send_monthly_reports(session: Session, now: datetime) -> int:
    """On the 1st: last month's ring summary and statements by mail (when the ring wants them)."""
    config = current_app.config
    if not config["REPORT_MONTHLY_MAIL"]:
        return 0
    ids = monthly.send_monthly_reports(
        session,
        now,
        ReportSettings.from_config(config),
        MailSettings.from_config(config),
        external_url("reports.summary"),
    )
    _deliver_now(session, now, ids)
    return len(ids)


def refresh_report_figures(session: Session, now: datetime) -> int:
    """Work out the service report's figures of the contacts that have none or stale ones,
    REPORT_FIGURES_BATCH at a time, each batch committed (its contacts locked only that long);
    returns how many."""
    config = current_app.config
    zone = ReportSettings.from_config(config).zone
    return stored.refresh_in_batches(session, zone, config["REPORT_FIGURES_BATCH"])


def poll_mail(session: Session, now: datetime) -> str:
    """Read the shared mailbox once with the app's configuration; returns what it did."""
    report = poll_mailbox(session, current_app.config, now)
    if current_app.config.get("IMAP_HOST"):  # without one there is nothing to count
        count_poll(report)
    return report.summary()


def purge_expired(session: Session, now: datetime) -> str:
    """Clear personal data past its retention period (the run is stored); what it cleared."""
    settings = retention.RetentionSettings.from_config(current_app.config)
    report = retention.purge(session, now, settings)
    session.commit()
    reclaim(db.engine)
    return report.summary()


register("horizon", extend_horizon, hour=2, minute=15)
register("retention", purge_expired, hour=3, minute=30)
register("reminders", send_reminders, hour="8-20", minute=5)
register("coverage", send_coverage_warnings, hour=7, minute=30)
register("memorandum", send_signature_reminders, hour=7, minute=45)
register("outbox", deliver_outbox, at_start=True, minute="*")
register("mail", poll_mail, at_start=True, minute="*")
register("handover", hand_over, at_start=True, minute="*/5")
register("feedback", send_feedback_requests, minute="*/10")
register("report-figures", refresh_report_figures, minute="7-59/15")
register("monthly-reports", send_monthly_reports, day=1, hour=6, minute=0)


def _run_in_app(app, name: str, trigger: CronTrigger | None) -> JobRun:
    """One run as APScheduler calls it: in an app context, tagged in the logs, for its slot."""
    with app.app_context(), logs.log_context(f"job-{name}-{uuid.uuid4().hex[:12]}"):
        try:
            now = utcnow()
            return run_job(name, now, slot=due_slot(trigger, now) if trigger else None)
        finally:
            db.session.remove()


def build_scheduler(app) -> BlockingScheduler:
    """A scheduler with every registered job, in the service's time zone (not started)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    zone = ZoneInfo(app.config["TIMEZONE"])
    scheduler = BlockingScheduler(timezone=zone)
    options = {"coalesce": True, "max_instances": 1}
    for job in JOBS.values():
        trigger = CronTrigger(timezone=zone, **job.cron)
        scheduler.add_job(
            _run_in_app,
            trigger,
            args=[app, job.name, trigger],
            id=job.name,
            name=job.name,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
            **options,
        )
        if job.at_start:
            scheduler.add_job(_run_in_app, args=[app, job.name, None], id=f"{job.name}@start")
    return scheduler


@click.command("scheduler")
@click.option("--metrics-port", type=int, default=0, help="Serve Prometheus metrics on this port.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True)
@with_appcontext
def scheduler_command(metrics_port, metrics_host):
    """Run the scheduled jobs until stopped (one or more such processes; leases keep order)."""
    app = current_app._get_current_object()
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_host)
    scheduler = build_scheduler(app)

    def stop(*_signal) -> None:
        """Let running jobs finish, then end; once, however many signals come meanwhile."""
        for name in (signal.SIGTERM, signal.SIGINT):
            signal.signal(name, signal.SIG_IGN)
        scheduler.shutdown()

    for name in (signal.SIGTERM, signal.SIGINT):
        signal.signal(name, stop)
    log.info("scheduler running jobs %s as %s", ", ".join(JOBS), holder_name())
    scheduler.start()


@click.command("run-job")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@click.option("--dry-run", is_flag=True, help="retention only: list what would go, change nothing")
@with_appcontext
def run_job_command(name, dry_run):
    """Run one scheduled job now, under its lease."""
    if dry_run:
        if name != "retention":
            raise click.UsageError("--dry-run is for the retention job only.")
        settings = retention.RetentionSettings.from_config(current_app.config)
        report = retention.purge(db.session, utcnow(), settings, dry_run=True)
        click.echo(f"retention: {report.summary()}")
        click.echo("\n".join(report.lines()))
        return
    outcome = run_job(name)
    click.echo(f"{name}: {outcome.result}" if outcome.ran else f"{name}: skipped (lease held)")
