"""The monthly mail (optional, REPORT_MONTHLY_MAIL): on the 1st, last month's ring summary to
the coordinators and each member organisation's own statement to its admins, each in the
reader's language. Each mail is queued once per month and person (its outbox kind names the
month), so running the job again sends nothing twice."""

from datetime import date, datetime, timedelta

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.i18n import service_date, writing_in
from rota.members.models import Role, User
from rota.outbox.models import OutboxMessage
from rota.outbox.service import MailSettings, domain_of, queue_mail
from rota.reports import documents
from rota.reports.service import ReportSettings


def last_month(today: date) -> tuple[date, date]:
    """The whole calendar month before `today`'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _readers(session: Session) -> list[User]:
    query = select(User).where(
        User.active.is_(True), User.role.in_((Role.COORDINATOR, Role.ORG_ADMIN))
    )
    return list(session.scalars(query.order_by(User.id)))


def _mailed(session: Session, kind: str) -> set[str]:
    return {
        address
        for row in session.scalars(
            select(OutboxMessage.recipients).where(OutboxMessage.kind == kind)
        )
        for address in row
    }


def _document(session: Session, person: User, first: date, last: date, settings: ReportSettings):
    if person.role == Role.COORDINATOR:
        return documents.ring_summary(session, first, last, settings)
    return documents.statement(session, first, last, settings, person.organisation)


def send_monthly_reports(
    session: Session, now: datetime, settings: ReportSettings, mail: MailSettings, link: str
) -> list[int]:
    """Queue last month's ring summary to each coordinator and its statement to each
    organisation admin (once per month and person); returns the outbox ids."""
    first, last = last_month(service_date(now, mail.zone))
    kind = f"monthly-report:{first:%Y-%m}"
    done = _mailed(session, kind)
    ids = []
    for person in _readers(session):
        if person.email in done or (person.role == Role.ORG_ADMIN and person.organisation is None):
            continue
        with writing_in(mail.locale_for(person)):
            doc = _document(session, person, first, last, settings)
            text = render_template(
                "reports/monthly_mail.txt", doc=doc, person=person, link=link, ring=mail.ring_name
            )
            ids.append(
                queue_mail(
                    session,
                    to=person.email,
                    subject=f"{doc.title} {first:%m/%Y}",
                    text=text,
                    kind=kind,
                    domain=domain_of(mail.ring_email),
                ).id
            )
    return ids
