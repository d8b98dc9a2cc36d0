"""Routing use cases: route a new contact, hand over at shift end, reassign. Functions flush."""

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rota.auth import policy
from rota.contacts import notify
from rota.contacts.events import Kind, flush_or_conflict, record_event
from rota.contacts.models import Contact, ContactEvent, ContactStatus
from rota.contacts.routing.decide import Decision, DutyShift, RotaView, Route, decide
from rota.contacts.routing.reasons import handover_data, reason_data
from rota.errors import DomainError, NotFound
from rota.members.models import Organisation, User
from rota.members.people import people_in_scope
from rota.members.service import organisations_by_name
from rota.outbox.service import MailSettings
from rota.schedule import duty
from rota.schedule.models import Shift

log = logging.getLogger(__name__)


def _duty_shift(shifts: duty.Duty, shift: Shift) -> DutyShift:
    covering = shifts.covering_counsellor(shift)
    if covering is not None and not covering.active:
        covering = None
    return DutyShift(
        shift_id=shift.id,
        organisation_id=shift.organisation_id,
        channel=str(shift.channel),
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        counsellor_id=covering.id if covering else None,
        counsellor_languages=tuple(covering.language_list) if covering else (),
        counsellor_absent=covering is None and shift.counsellor_id is not None,
        language=shift.language,
    )


def rota_view(session: Session, channel: str, at: datetime) -> RotaView:
    """The rota as routing sees it at `at` for one channel: shifts on duty and the next ones."""
    shifts = duty.duty_at(session, at, channel)
    return RotaView(
        on_duty=tuple(_duty_shift(shifts, s) for s in shifts.current),
        next_shifts=tuple(_duty_shift(shifts, s) for s in shifts.following),
    )


def decision_for(
    session: Session, channel: str, language: str | None, at: datetime, views: dict | None = None
) -> Decision:
    """Where a contact of `channel` in `language` arriving at `at` goes.

    `views` (a dict the caller keeps for one batch) remembers the rota view per channel and
    minute: it holds the shifts on duty and the next ones, and the pure decision still uses `at`
    itself, so a view read earlier in the same minute decides alike.
    """
    if views is None:
        return decide(rota_view(session, channel, at), channel, language, at)
    key = (channel, at.replace(second=0, microsecond=0))
    if key not in views:
        views[key] = rota_view(session, channel, at)
    return decide(views[key], channel, language, at)


def _apply(session: Session, contact: Contact, decision: Decision, now: datetime) -> None:
    contact.owner_id = decision.owner_id
    contact.organisation_id = decision.organisation_id
    contact.shift_id = decision.shift_id
    contact.updated_at = now


def _reason_data(session: Session, decision: Decision, channel: str, views: dict | None) -> dict:
    """reason_data(), remembered in `views` for the batch: equal decisions have equal reasons."""
    if views is None:
        return reason_data(session, decision, channel)
    key = (channel, decision.route, decision.shift_id, decision.owner_id, decision.language_matched)
    key += (decision.params.get("language"),)
    if key not in views:
        views[key] = reason_data(session, decision, channel)
    return views[key]


def route_for(
    session: Session, channel: str, language: str | None, now: datetime, views: dict | None = None
) -> tuple[Decision, dict]:
    """Where a new contact goes and why (the reason as data for its "routed" event).

    An ingest batch passes `views`, a dict kept for the batch, so the rota is read once.
    """
    decision = decision_for(session, channel, language, now, views)
    return decision, _reason_data(session, decision, channel, views)


def route_new_contact(
    session: Session, contact: Contact, now: datetime, settings: MailSettings
) -> Decision:
    """Give a new contact its owner (on duty / org queue / next shift / none) and record why.

    The counsellor on duty hears of it by e-mail, written as `settings` say.
    """
    if contact.id is None:
        session.add(contact)
        session.flush()
    contact.reference = contact.reference or f"R-{contact.id}"
    decision, data = route_for(session, str(contact.channel), contact.language, now)
    _apply(session, contact, decision, now)
    record_event(
        session,
        contact,
        Kind.ROUTED,
        now,
        to_owner_id=decision.owner_id,
        organisation_id=decision.organisation_id,
        shift_id=decision.shift_id,
        reason_data=data,
    )
    session.flush()
    log.info("contact %s routed: %s", contact.id, decision.route)
    if decision.on_duty:
        notify.new_contact(session, contact, settings)
    return decision


def _handover_candidates(session: Session, now: datetime):
    """Unopened contacts whose shift has ended, and those waiting with no queue at all."""
    columns = (Contact.id, Contact.version, Contact.owner_id, Contact.channel, Contact.language)
    ended = (
        select(*columns, Contact.shift_id)
        .join(Shift, Contact.shift_id == Shift.id)
        .where(Contact.status == ContactStatus.NEW, Shift.ends_at <= now)
    )
    waiting = select(*columns, Contact.shift_id).where(
        Contact.status == ContactStatus.NEW,
        Contact.shift_id.is_(None),
        Contact.owner_id.is_(None),
        Contact.organisation_id.is_(None),
    )
    return [*session.execute(ended), *session.execute(waiting)]


def _move(session: Session, row, decision: Decision, now: datetime) -> bool:
    """Move one contact if nobody changed it meanwhile (same version, still new)."""
    result = session.execute(
        update(Contact)
        .where(
            Contact.id == row.id,
            Contact.version == row.version,
            Contact.status == ContactStatus.NEW,
        )
        .values(
            owner_id=decision.owner_id,
            organisation_id=decision.organisation_id,
            shift_id=decision.shift_id,
            updated_at=now,
            version=row.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def hand_over(session: Session, now: datetime) -> int:
    """At shift end, move contacts nobody has opened to the next shift; claimed ones stay."""
    decisions: dict[tuple, tuple[Decision, str]] = {}
    moved = 0
    for row in _handover_candidates(session, now):
        key = (str(row.channel), row.language)
        if key not in decisions:
            decision = decision_for(session, key[0], row.language, now)
            decisions[key] = decision, reason_data(session, decision, key[0])
        decision, data = decisions[key]
        if row.shift_id is None and decision.route == Route.NO_ROTA:
            continue
        if not _move(session, row, decision, now):
            continue
        session.add(
            ContactEvent(
                contact_id=row.id,
                kind=Kind.HANDED_OVER,
                at=now,
                from_owner_id=row.owner_id,
                to_owner_id=decision.owner_id,
                organisation_id=decision.organisation_id,
                shift_id=decision.shift_id,
                reason_data=handover_data(data),
            )
        )
        moved += 1
    session.flush()
    log.info("handover at %s: %s contacts moved", now.isoformat(), moved)
    return moved


def _target(session: Session, actor: User, to_user_id: int | None, to_org_id: int | None):
    if to_user_id:
        person = session.get(User, to_user_id)
        if person is None or not person.active or person.organisation_id is None:
            raise DomainError(_l("Choose an active counsellor to reassign to."), "target")
        if not policy.may_reassign_to(actor, person.organisation_id):
            raise DomainError(_l("You can reassign only to people of your organisation."), "target")
        return person, person.organisation_id
    if to_org_id and session.get(Organisation, to_org_id) is not None:
        return None, to_org_id
    raise DomainError(_l("Choose a counsellor or an organisation's queue."), "target")


def reassign(
    session: Session,
    contact: Contact,
    actor: User,
    *,
    to_user_id: int | None = None,
    to_org_id: int | None = None,
    reason: str = "",
    now: datetime,
    settings: MailSettings,
) -> Contact:
    """Give a contact to another counsellor or queue (organisation admin or coordinator)."""
    if not policy.may_reassign(actor, contact.organisation_id):
        raise NotFound(_l("No such contact."))
    if not reason or not reason.strip():
        raise DomainError(_l("Say why the contact moves; the history shows it."), "reason")
    person, org_id = _target(session, actor, to_user_id, to_org_id)
    record_event(
        session,
        contact,
        Kind.REASSIGNED,
        now,
        actor_id=actor.id,
        from_owner_id=contact.owner_id,
        to_owner_id=person.id if person else None,
        organisation_id=org_id,
        reason=reason.strip(),
    )
    contact.owner_id, contact.organisation_id, contact.shift_id = (
        person.id if person else None,
        org_id,
        None,
    )
    if person is None and contact.status == ContactStatus.OPEN:
        contact.status = ContactStatus.NEW
    contact.updated_at = now
    flush_or_conflict(session)
    if person is not None and person.id != actor.id:
        notify.new_contact(session, contact, settings)
    return contact


def reassign_targets(session: Session, actor: User) -> list[tuple[str, str]]:
    """(value, label) choices for reassigning: counsellors the actor may pick, then org queues."""
    people = select(User).where(
        User.active,
        User.organisation_id.is_not(None),
        people_in_scope(policy.reassign_scope(actor)),
    )
    choices = [(f"user:{u.id}", u.name) for u in session.scalars(people.order_by(User.name))]
    orgs = organisations_by_name(session)
    queue = _l("Queue of %(name)s")
    return choices + [(f"org:{o.id}", str(queue) % {"name": o.name}) for o in orgs]
