"""Retention: each class of personal data goes when its period is past. Flushes, never commits.

The nightly `retention` job (rota.jobs.scheduler) runs `purge`; a dry run lists what would go
and changes nothing. Statistics survive: contacts are cleared, not deleted (rota.privacy.clearing).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from rota.contacts.models import CallEvent, Contact, ContactStatus, RawMessage, RawStatus
from rota.outbox.models import OutboxMessage, OutboxStatus
from rota.privacy.clearing import OUTBOX_BLANK, clear_contacts, clear_raw
from rota.privacy.models import ReadEntry, RetentionRun
from rota.privacy.periods import months_before

DATA_CLASSES = ("contacts", "raw_mail", "call_events", "outbox", "read_log")


@dataclass(frozen=True)
class RetentionSettings:
    """How long each class of data is kept (the RETENTION_* settings)."""

    contact_months: int = 24  # message texts and attachments, after the contact is closed
    raw_mail_days: int = 90  # the raw bytes of fetched mail, after ingest
    call_event_days: int = 30  # telephony event payloads, after they arrived
    outbox_days: int = 30  # outgoing mail's copy in the outbox, after it was sent
    read_log_months: int = 24  # who opened which contact

    KEYS = {
        "contact_months": "RETENTION_CONTACT_MONTHS",
        "raw_mail_days": "RETENTION_RAW_MAIL_DAYS",
        "call_event_days": "RETENTION_CALL_EVENT_DAYS",
        "outbox_days": "RETENTION_OUTBOX_DAYS",
        "read_log_months": "RETENTION_READ_LOG_MONTHS",
    }

    @classmethod
    def from_config(cls, config) -> "RetentionSettings":
        """Settings from a Flask config; a period that is not a whole number ≥ 1 stops here."""
        values = {}
        for name, key in cls.KEYS.items():
            value = config.get(key, getattr(cls, name))
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be a whole number of at least 1, not {value!r}.")
            values[name] = value
        return cls(**values)

    def cutoffs(self, now: datetime) -> dict[str, datetime]:
        """Per data class: records older than this instant are past their period."""
        return {
            "contacts": months_before(now, self.contact_months),
            "raw_mail": now - timedelta(days=self.raw_mail_days),
            "call_events": now - timedelta(days=self.call_event_days),
            "outbox": now - timedelta(days=self.outbox_days),
            "read_log": months_before(now, self.read_log_months),
        }


@dataclass
class RetentionReport:
    """What a run cleared (or, dry, would clear): per data class, the ids and their count."""

    dry_run: bool
    ids: dict[str, list[int]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(self.ids.get(name, [])) for name in DATA_CLASSES}

    def summary(self) -> str:
        verb = "would clear" if self.dry_run else "cleared"
        return f"{verb} " + ", ".join(f"{n} {name}" for name, n in self.counts.items())

    def lines(self) -> list[str]:
        """One line per data class naming the records (by id only: no personal data)."""
        return [
            f"{name}: {len(ids)}" + (f" (ids {', '.join(map(str, ids))})" if ids else "")
            for name, ids in ((n, self.ids.get(n, [])) for n in DATA_CLASSES)
        ]


def due(session: Session, now: datetime, settings: RetentionSettings) -> dict[str, list[int]]:
    """The ids past their period in each data class (not yet cleared)."""
    cut = settings.cutoffs(now)
    ingested = func.coalesce(RawMessage.processed_at, RawMessage.fetched_at)
    queries = {
        "contacts": select(Contact.id).where(
            Contact.status == ContactStatus.CLOSED,
            Contact.closed_at < cut["contacts"],
            Contact.anonymised_at.is_(None),
        ),
        "raw_mail": select(RawMessage.id).where(
            RawMessage.data.is_not(None),
            RawMessage.status != RawStatus.PENDING,
            ingested < cut["raw_mail"],
        ),
        "call_events": select(CallEvent.id).where(
            CallEvent.payload != "", CallEvent.received_at < cut["call_events"]
        ),
        "outbox": select(OutboxMessage.id).where(
            or_(
                (OutboxMessage.status == OutboxStatus.SENT)
                & (OutboxMessage.sent_at < cut["outbox"]),
                (OutboxMessage.status == OutboxStatus.FAILED)
                & (OutboxMessage.created_at < cut["outbox"]),
            ),
            OutboxMessage.body_text != "",
        ),
        "read_log": select(ReadEntry.id).where(ReadEntry.at < cut["read_log"]),
    }
    return {name: sorted(session.scalars(query)) for name, query in queries.items()}


def purge(
    session: Session, now: datetime, settings: RetentionSettings, *, dry_run: bool = False
) -> RetentionReport:
    """Clear what is past its period and store the run; a dry run only reports what would go."""
    report = RetentionReport(dry_run, due(session, now, settings))
    if dry_run:
        return report
    ids = report.ids
    clear_contacts(session, ids["contacts"], now)
    clear_raw(session, ids["raw_mail"])
    if ids["call_events"]:
        session.execute(
            update(CallEvent).where(CallEvent.id.in_(ids["call_events"])).values(payload="")
        )
    if ids["outbox"]:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids["outbox"])).values(**OUTBOX_BLANK)
        )
    if ids["read_log"]:
        session.execute(delete(ReadEntry).where(ReadEntry.id.in_(ids["read_log"])))
    session.add(RetentionRun(started_at=now, counts=report.counts))
    session.flush()
    return report


def last_runs(session: Session, limit: int = 10) -> list[RetentionRun]:
    """The latest retention runs, newest first."""
    query = select(RetentionRun).order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc())
    return list(session.scalars(query.limit(limit)))
