"""Readiness and the ring's state, each a few indexed queries: for /readyz and /metrics.

Ready means: the database answers, its schema is at the code's migration head, a scheduler
process took or renewed a job lease lately (the outbox job does every minute), the shared
mailbox (when one is configured) was read lately without repeated failures, and no mail has
been due to go out for long (the outbox is not stuck).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import case, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from rota.contacts.mail.poll import mailbox_key
from rota.contacts.models import Contact, ContactStatus, MailboxState
from rota.db import ping
from rota.jobs.lease import JobLease
from rota.ops.metrics import age_seconds
from rota.outbox.models import OutboxMessage, OutboxStatus

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
OPEN = Contact.status.in_([ContactStatus.NEW, ContactStatus.OPEN])
WAITING = [OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.FAILED]


@dataclass(frozen=True)
class ReadySettings:
    """What ready means: how recent a job lease and a mail poll must be, how long mail may be
    due, and the shared mailbox (None when none is configured) with its failures to tolerate."""

    scheduler_seconds: float
    mail_seconds: float
    outbox_seconds: float
    mailbox: str | None
    alert_after: int

    @classmethod
    def from_config(cls, config: Mapping) -> "ReadySettings":
        """Settings from a Flask config (READY_*_SECONDS, IMAP_*)."""
        return cls(
            scheduler_seconds=float(config["READY_SCHEDULER_SECONDS"]),
            mail_seconds=float(config["READY_MAIL_SECONDS"]),
            outbox_seconds=float(config["READY_OUTBOX_SECONDS"]),
            mailbox=mailbox_key(config) if config.get("IMAP_HOST") else None,
            alert_after=int(config["IMAP_ALERT_AFTER"]),
        )


@cache
def migration_heads(directory: Path = MIGRATIONS) -> frozenset[str]:
    """The revisions the code expects the database at (read once per process)."""
    return frozenset(ScriptDirectory(str(directory)).get_heads())


def schema_revisions(session: Session) -> frozenset[str]:
    """The revisions the database says it is at (empty when it was never migrated)."""
    try:
        with session.begin_nested():
            return frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return frozenset()


def oldest_due_mail(session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting mail that is due to go out became due."""
    return session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
        )
    )


def last_poll(session: Session, mailbox: str | None) -> MailboxState | None:
    """The shared mailbox's state (last read, failures in a row); None when not configured."""
    return None if mailbox is None else session.get(MailboxState, mailbox)


def last_lease(session: Session) -> datetime | None:
    """When a scheduler process last took or renewed any job lease."""
    return session.scalar(select(func.max(JobLease.renewed_at)))


def _within(at: datetime | None, now: datetime, seconds: float) -> bool:
    return at is not None and at >= now - timedelta(seconds=seconds)


def _mail_check(session: Session, now: datetime, settings: ReadySettings) -> tuple[bool, str]:
    if settings.mailbox is None:
        return True, "not configured"
    state = last_poll(session, settings.mailbox)
    if state is None or not _within(state.checked_at, now, settings.mail_seconds):
        return False, "the shared mailbox was not read lately"
    if state.failures >= settings.alert_after:
        return False, f"the last {state.failures} reads of the shared mailbox failed"
    return True, "ok"


def _check(ok: bool, problem: str) -> tuple[bool, str]:
    return (True, "ok") if ok else (False, problem)


def readiness(
    session: Session, now: datetime, settings: ReadySettings
) -> dict[str, tuple[bool, str]]:
    """Each check's outcome (ok, what): database, migrations, scheduler, mail, outbox."""
    try:
        ping(session)
    except SQLAlchemyError as exc:
        session.rollback()
        return {"database": (False, f"unreachable ({type(exc).__name__})")}
    due = oldest_due_mail(session, now)
    return {
        "database": (True, "ok"),
        "migrations": _check(
            schema_revisions(session) == migration_heads(), "the schema is not at the code's head"
        ),
        "scheduler": _check(
            _within(last_lease(session), now, settings.scheduler_seconds),
            "no scheduler process took a job lease lately",
        ),
        "mail": _mail_check(session, now, settings),
        "outbox": _check(
            due is None or _within(due, now, settings.outbox_seconds),
            "mail has been due to go out for too long",
        ),
    }


def figures(session: Session, now: datetime, mailbox: str | None) -> dict:
    """The ring's state for the metrics: outbox, unassigned contacts, mail poll, scheduler."""
    outbox = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_(WAITING))  # through the status index
            .group_by(OutboxMessage.status)
        ).all()
    )
    queue = case((Contact.organisation_id.is_(None), "ring"), else_="organisation")
    unassigned = dict(
        session.execute(
            select(queue, func.count()).where(OPEN, Contact.owner_id.is_(None)).group_by(queue)
        ).all()
    )
    unanswered = select(func.min(Contact.received_at)).where(
        OPEN, Contact.first_response_at.is_(None)
    )
    state, lease = last_poll(session, mailbox), last_lease(session)
    return {
        "outbox": {
            **{status.value: outbox.get(status, 0) for status in WAITING},
            "oldest_due_age": age_seconds(oldest_due_mail(session, now), now),
        },
        "contacts": {
            "organisation": unassigned.get("organisation", 0),
            "ring": unassigned.get("ring", 0),
            "oldest_unanswered_age": age_seconds(session.scalar(unanswered), now),
        },
        "mail": {"last_poll_age": _age_or_none(state and state.checked_at, now)},
        "scheduler": {"last_lease_age": _age_or_none(lease, now)},
    }


def _age_or_none(at: datetime | None, now: datetime) -> float | None:
    return None if at is None else age_seconds(at, now)
