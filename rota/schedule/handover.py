"""A shift changes hands: what it holds follows it, and everyone concerned hears of it.

Taking, overriding or re-planning a shift, or its counsellor's absence, gives it to another
organisation or person. The rota never depends on contacts (see `.importlinter`), so the
contacts side listens to `changed_hands` (a blinker signal: `rota.contacts.routing.service`
moves the shift's unopened contacts) and this module mails the admins of both organisations
and the counsellors named before and after, each in their own language, through the outbox:
one mail per person per change, listing every shift of it (a re-plan moves many at once).
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from flask import render_template
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rota.i18n import writing_in
from rota.links import external_url
from rota.members.models import Organisation, Role, User
from rota.outbox.service import MailSettings, queue_notice
from rota.schedule.models import Shift, ShiftChangeKind

log = logging.getLogger(__name__)

signals = Namespace()
# sent with the shift and session=, now=, kind=; each receiver returns how many items it moved
changed_hands = signals.signal("shift-changed-hands")

HANDOVER_KINDS = frozenset(
    (
        ShiftChangeKind.TAKE,
        ShiftChangeKind.OVERRIDE,
        ShiftChangeKind.REPLAN,
        ShiftChangeKind.CANCEL,
        ShiftChangeKind.ABSENCE,
        ShiftChangeKind.SWAP,
    )
)


@dataclass
class Handover:
    """One shift that left `previous_org`/`previous_person`, and what moved with it."""

    shift: Shift
    previous_org: Organisation | None
    previous_person: User | None
    kind: ShiftChangeKind
    moved: int = 0

    def concerns(self, person: User) -> bool:
        """Whether the person hears of it: an admin of either side, or named before or after."""
        if person.id in {
            self.shift.counsellor_id,
            self.previous_person and self.previous_person.id,
        }:
            return True
        sides = {self.shift.organisation_id, self.previous_org and self.previous_org.id}
        return person.role == Role.ORG_ADMIN and person.organisation_id in sides


def shift_changed_hands(
    session: Session,
    shift: Shift,
    previous_org_id: int | None,
    previous_person_id: int | None,
    kind: ShiftChangeKind,
    now: datetime,
    *,
    settings: MailSettings,
) -> int:
    """After `shift` (already changed) left `previous_org_id`/`previous_person_id`: move what it
    holds to its new holder and queue the mail. Returns how many items moved."""
    return shifts_changed_hands(
        session, [(shift, previous_org_id, previous_person_id, kind)], now, settings=settings
    )


def shifts_changed_hands(session: Session, changes, now: datetime, *, settings) -> int:
    """The same for many (shift, previous org id, previous person id, kind) at once (a re-plan):
    each person concerned gets one mail listing their shifts."""
    handovers = []
    for shift, previous_org_id, previous_person_id, kind in changes:
        if kind not in HANDOVER_KINDS:
            raise ValueError(f"not a change of hands: {kind}")
        replies = changed_hands.send(shift, session=session, now=now, kind=kind)
        previous_org = session.get(Organisation, previous_org_id) if previous_org_id else None
        previous_person = session.get(User, previous_person_id) if previous_person_id else None
        moved = sum(count for _receiver, count in replies)
        handovers.append(Handover(shift, previous_org, previous_person, kind, moved))
    for person in _recipients(session, handovers):
        _mail(session, settings, person, [h for h in handovers if h.concerns(person)])
    moved = sum(h.moved for h in handovers)
    log.info("%s shifts changed hands: %s items moved", len(handovers), moved)
    return moved


def _recipients(session: Session, handovers: list[Handover]) -> list[User]:
    """The active admins of the organisations on either side and the counsellors named."""
    orgs, named = set(), set()
    for h in handovers:
        orgs |= {h.shift.organisation_id, h.previous_org and h.previous_org.id}
        named |= {h.shift.counsellor_id, h.previous_person and h.previous_person.id}
    query = select(User).where(
        User.active.is_(True),
        or_(
            (User.role == Role.ORG_ADMIN) & User.organisation_id.in_(orgs - {None}),
            User.id.in_(named - {None}),
        ),
    )
    return list(session.scalars(query.order_by(User.id)))


def _subject(settings: MailSettings, handovers: list[Handover]) -> str:
    if len(handovers) > 1:
        return ngettext(
            "[%(ring)s] %(num)d shift changed hands",
            "[%(ring)s] %(num)d shifts changed hands",
            len(handovers),
            ring=settings.ring_name,
        )
    [one] = handovers
    return _(
        "[%(ring)s] Shift %(when)s: %(before)s → %(after)s",
        ring=settings.ring_name,
        when=format_datetime(one.shift.starts_at, "EEE d.M. HH:mm"),
        before=one.previous_org.name if one.previous_org else "–",
        after=one.shift.organisation.name,
    )


def _mail(session: Session, settings: MailSettings, person: User, handovers: list[Handover]):
    with writing_in(settings.locale_for(person)):
        subject = _subject(settings, handovers)
        text = render_template(
            "schedule/mail/changed_hands.txt",
            person=person,
            handovers=handovers,
            link=lambda shift: external_url("schedule.shift", shift_id=shift.id),
        )
    queue_notice(session, settings, to=person.email, subject=subject, text=text, kind="handover")
