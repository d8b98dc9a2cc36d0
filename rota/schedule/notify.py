"""Rota mail: shift reminders the day before and the daily coverage warning, each sent once.

Both queue mail through the outbox in the caller's transaction and record that they did
(`Shift.reminded_at`, a `CoverageMail` row), so running them again sends nothing twice.
"""

import logging
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from rota.i18n import service_date, writing_in
from rota.members.models import Role, User
from rota.outbox.service import MailSettings, queue_mail
from rota.schedule.absences import counsellor_absent
from rota.schedule.coverage import RotaEntry, coverage_gaps
from rota.schedule.models import CoverageMail, Shift, ShiftStatus

log = logging.getLogger(__name__)

RING = "ring"


def _queue(
    session: Session, settings: MailSettings, person: User, template: str, subject, kind: str, **ctx
) -> int:
    """Render a mail in the person's language and queue it; returns the outbox id."""
    with writing_in(settings.locale_for(person)):
        text = render_template(template, person=person, **ctx)
        subject = str(subject)
    return queue_mail(session, to=person.email, subject=subject, text=text, kind=kind).id


def send_reminders(session: Session, now: datetime, settings: MailSettings) -> list[int]:
    """Queue a reminder to each counsellor on duty tomorrow (local day), once per shift."""
    tomorrow = service_date(now, settings.zone) + timedelta(days=1)
    query = (
        select(Shift)
        .join(Shift.counsellor)
        .where(
            Shift.status == ShiftStatus.PLANNED,
            Shift.on_local_days(tomorrow, tomorrow),
            Shift.reminded_at.is_(None),
            User.active.is_(True),
            ~counsellor_absent(),
        )
        .options(joinedload(Shift.counsellor), joinedload(Shift.organisation))
        .order_by(Shift.starts_at, Shift.id)
    )
    ids = []
    for shift in session.scalars(query).all():
        subject = _l("Reminder: your shift tomorrow at %(ring)s", ring=settings.ring_name)
        ids.append(
            _queue(
                session,
                settings,
                shift.counsellor,
                "schedule/mail/reminder.txt",
                subject,
                "shift-reminder",
                shift=shift,
            )
        )
        # A plain UPDATE: the reminder is bookkeeping, not a change calendars or forms must see.
        session.execute(
            update(Shift)
            .where(Shift.id == shift.id)
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
    log.info("%s shift reminders queued for %s", len(ids), tomorrow)
    return ids


def _audiences(session: Session, gaps: list[RotaEntry]):
    """(audience key, its gaps, who gets the mail): the coordinators, then each organisation."""
    query = select(User).where(User.active.is_(True), User.role != Role.COUNSELLOR)
    people = list(session.scalars(query.order_by(User.id)))
    coordinators = [p for p in people if p.role == Role.COORDINATOR]
    admins = [p for p in people if p.role == Role.ORG_ADMIN]
    yield RING, gaps, coordinators
    for org_id in dict.fromkeys(entry.shift.organisation_id for entry in gaps):
        own = [entry for entry in gaps if entry.shift.organisation_id == org_id]
        yield f"org:{org_id}", own, [p for p in admins if p.organisation_id == org_id]


def send_coverage_warnings(
    session: Session, now: datetime, days: int, settings: MailSettings
) -> list[int]:
    """Mail the gaps of the next `days` days to the coordinators and each organisation's admins,
    at most once per audience per local day."""
    today = service_date(now, settings.zone)
    gaps = coverage_gaps(session, now, days)
    if not gaps:
        return []
    ids = []
    for audience, entries, people in _audiences(session, gaps):
        if not people or session.get(CoverageMail, (today, audience)) is not None:
            continue
        subject = _l("Shifts without a counsellor in the next %(days)d days", days=days)
        for person in people:
            ids.append(
                _queue(
                    session,
                    settings,
                    person,
                    "schedule/mail/coverage.txt",
                    subject,
                    "coverage",
                    entries=entries,
                    days=days,
                )
            )
        session.add(
            CoverageMail(local_day=today, audience=audience, gaps=len(entries), sent_at=now)
        )
    session.flush()
    log.info("%s coverage warnings queued for %s gaps", len(ids), len(gaps))
    return ids
