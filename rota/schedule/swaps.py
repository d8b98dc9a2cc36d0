"""Swap requests: a counsellor or an organisation admin asks to swap a shift for another one, or
to give it to another organisation; the other side accepts or declines; where the ring says so
(`SWAP_NEEDS_APPROVAL`) the coordinator approves or refuses. Each step is a row of the shifts'
history and a mail to whoever it concerns; the swap itself hands the shifts over
(`rota.schedule.handover`), so their unopened contacts follow and both sides are told.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from rota.auth import policy
from rota.errors import DomainError, NotFound
from rota.i18n import writing_in
from rota.links import external_url
from rota.members.models import Organisation, Role, User
from rota.members.service import members_in_force
from rota.outbox.service import MailSettings, queue_notice
from rota.schedule.handover import shifts_changed_hands
from rota.schedule.models import (
    Shift,
    ShiftChange,
    ShiftChangeKind,
    ShiftStatus,
    SwapRequest,
    SwapStatus,
)

log = logging.getLogger(__name__)

NO_SUCH_SWAP = _l("No such swap request. It may have been answered already; reload the list.")
CHOICE_WEEKS = 8  # shifts offered in exchange: those of the coming weeks


@dataclass(frozen=True)
class SwapSettings:
    """How the ring handles swaps: its mail, and whether the coordinator approves each one."""

    mail: MailSettings
    needs_approval: bool = False

    @classmethod
    def from_config(cls, config: Mapping) -> "SwapSettings":
        """Settings from a Flask config (SWAP_NEEDS_APPROVAL and the mail settings)."""
        return cls(MailSettings.from_config(config), bool(config["SWAP_NEEDS_APPROVAL"]))


def _open_shift(session: Session, shift_id: int | None, now: datetime) -> Shift:
    shift = session.get(Shift, shift_id) if shift_id else None
    if shift is None or shift.status != ShiftStatus.PLANNED:
        raise DomainError(_l("Choose a planned shift from the list."), "counter_shift_id")
    if shift.starts_at <= now:
        raise DomainError(_l("That shift has already started; choose a coming one."))
    return shift


def _history(session, swap: SwapRequest, kind: ShiftChangeKind, actor: User, now, reason=""):
    """A step of the request in the history of both shifts (the shifts themselves unchanged)."""
    for shift in filter(None, (swap.shift, swap.counter_shift)):
        session.add(
            ShiftChange(
                shift_id=shift.id,
                at=now,
                kind=kind,
                actor_id=actor.id,
                from_organisation_id=swap.from_organisation_id,
                to_organisation_id=swap.to_organisation_id,
                reason=reason,
            )
        )


def ask_swap(
    session: Session,
    shift_id: int,
    actor: User,
    *,
    counter_shift_id: int | None,
    to_organisation_id: int | None,
    note: str,
    now: datetime,
    settings: SwapSettings,
) -> SwapRequest:
    """Ask to swap the shift for `counter_shift_id`, or (none) to give it to an organisation."""
    shift = session.get(Shift, shift_id)
    if shift is None or not policy.may_ask_swap(actor, shift.organisation_id, shift.counsellor_id):
        raise NotFound(_l("No such shift. It may have been removed from the rota."))
    _open_shift(session, shift.id, now)
    if session.scalar(select(SwapRequest.id).where(_open(), _involves(shift.id))):
        raise DomainError(_l("This shift already has an open swap request: answer or cancel it."))
    if counter_shift_id:
        counter = _open_shift(session, counter_shift_id, now)
        if counter.id == shift.id:
            raise DomainError(_l("Choose another shift to swap with."), "counter_shift_id")
        if session.scalar(select(SwapRequest.id).where(_open(), _involves(counter.id))):
            raise DomainError(
                _l("That shift already has an open swap request; choose another."),
                "counter_shift_id",
            )
        to_org = counter.organisation_id
    else:
        counter = None
        members = {m.organisation.id for m in members_in_force(session, shift.local_day)}
        if to_organisation_id == shift.organisation_id or to_organisation_id not in members:
            raise DomainError(
                _l("Choose a shift to swap with, or another member organisation to give it to."),
                "to_organisation_id",
            )
        to_org = to_organisation_id
    swap = SwapRequest(
        shift=shift,
        counter_shift=counter,
        from_organisation_id=shift.organisation_id,
        to_organisation_id=to_org,
        asked_by=actor,
        note=(note or "").strip(),
        created_at=now,
        updated_at=now,
    )
    session.add(swap)
    session.flush()
    _history(session, swap, ShiftChangeKind.SWAP_ASK, actor, now, swap.note)
    _tell(session, settings.mail, _other_side(session, swap), swap, "asked")
    log.info("swap request %s asked by user %s", swap.id, actor.id)
    return swap


def get_swap(session: Session, swap_id: int) -> SwapRequest:
    """The open swap request with this id, or NotFound."""
    swap = session.get(SwapRequest, swap_id)
    if swap is None:
        raise NotFound(NO_SUCH_SWAP)
    return swap


def _still_open(swap: SwapRequest, status: SwapStatus) -> None:
    if swap.status != status:
        raise DomainError(_l("This swap request was answered already; reload the list."))


def answer_swap(
    session: Session, swap_id: int, actor: User, *, accept: bool, now: datetime, settings
) -> SwapRequest:
    """The other side accepts (then, where approval is needed, the coordinator decides) or
    declines."""
    swap = get_swap(session, swap_id)
    counter_counsellor = swap.counter_shift.counsellor_id if swap.counter_shift else None
    if not policy.may_answer_swap(actor, swap.to_organisation_id, counter_counsellor):
        raise NotFound(NO_SUCH_SWAP)
    _still_open(swap, SwapStatus.ASKED)
    swap.answered_by_id, swap.updated_at = actor.id, now
    if not accept:
        swap.status = SwapStatus.DECLINED
        _history(session, swap, ShiftChangeKind.SWAP_DECLINE, actor, now)
        _tell(session, settings.mail, _asking_side(session, swap), swap, "declined")
    elif settings.needs_approval:
        swap.status = SwapStatus.ACCEPTED
        _history(session, swap, ShiftChangeKind.SWAP_ACCEPT, actor, now)
        _tell(session, settings.mail, _coordinators(session), swap, "approval")
    else:
        _history(session, swap, ShiftChangeKind.SWAP_ACCEPT, actor, now)
        _carry_out(session, swap, actor, now, settings)
    session.flush()
    return swap


def decide_swap(
    session: Session, swap_id: int, actor: User, *, approve: bool, now: datetime, settings
) -> SwapRequest:
    """The coordinator approves (the swap is done) or refuses an agreed swap."""
    if not policy.may_decide_swap(actor):
        raise NotFound(NO_SUCH_SWAP)
    swap = get_swap(session, swap_id)
    _still_open(swap, SwapStatus.ACCEPTED)
    swap.decided_by_id, swap.updated_at = actor.id, now
    if approve:
        _carry_out(session, swap, actor, now, settings)
    else:
        swap.status = SwapStatus.REFUSED
        _history(session, swap, ShiftChangeKind.SWAP_REFUSE, actor, now)
        people = _asking_side(session, swap) + _other_side(session, swap)
        _tell(session, settings.mail, people, swap, "refused")
    session.flush()
    return swap


def cancel_swap(session: Session, swap_id: int, actor: User, *, now: datetime, settings):
    """Whoever asked (or their organisation's admin, or the coordinator) takes it back."""
    swap = get_swap(session, swap_id)
    if not policy.may_cancel_swap(actor, swap.asked_by_id, swap.from_organisation_id):
        raise NotFound(NO_SUCH_SWAP)
    if not swap.open:
        raise DomainError(_l("This swap request was answered already; reload the list."))
    swap.status, swap.updated_at = SwapStatus.CANCELLED, now
    _history(session, swap, ShiftChangeKind.SWAP_CANCEL, actor, now)
    _tell(session, settings.mail, _other_side(session, swap), swap, "cancelled")
    session.flush()
    return swap


def _speaks(person: User | None, shift: Shift) -> User | None:
    """The counsellor goes with the shift if they counsel in its language; else nobody yet."""
    if person is None or (shift.language and shift.language not in person.language_list):
        return None
    return person


def _carry_out(session: Session, swap: SwapRequest, actor: User, now: datetime, settings):
    shift, counter = swap.shift, swap.counter_shift
    changed = shift.organisation_id != swap.from_organisation_id or (
        counter is not None and counter.organisation_id != swap.to_organisation_id
    )
    both = [s for s in (shift, counter) if s is not None]
    if changed or any(s.status != ShiftStatus.PLANNED or s.starts_at <= now for s in both):
        raise DomainError(_l("The shifts changed since the request; ask again."))
    handed = [(shift, shift.organisation_id, shift.counsellor_id, ShiftChangeKind.SWAP)]
    if counter is None:
        shift.organisation_id, shift.counsellor = swap.to_organisation_id, None
    else:
        handed.append(
            (counter, counter.organisation_id, counter.counsellor_id, ShiftChangeKind.SWAP)
        )
        mine, theirs = shift.counsellor, counter.counsellor
        shift.organisation_id, shift.counsellor = counter.organisation_id, _speaks(theirs, shift)
        counter.organisation_id, counter.counsellor = (
            swap.from_organisation_id,
            _speaks(mine, counter),
        )
    for moved, org_id, person_id, kind in handed:
        moved.sequence += 1
        moved.updated_at = now
        session.add(
            ShiftChange(
                shift_id=moved.id,
                at=now,
                kind=kind,
                actor_id=actor.id,
                from_organisation_id=org_id,
                to_organisation_id=moved.organisation_id,
                from_counsellor_id=person_id,
                to_counsellor_id=moved.counsellor_id,
                reason=swap.note,
            )
        )
    swap.status = SwapStatus.DONE
    session.flush()
    shifts_changed_hands(session, handed, now, settings=settings.mail)
    log.info("swap request %s done", swap.id)


def _open():
    return SwapRequest.status.in_((SwapStatus.ASKED, SwapStatus.ACCEPTED))


def _involves(shift_id: int):
    return or_(SwapRequest.shift_id == shift_id, SwapRequest.counter_shift_id == shift_id)


def _people(session: Session, condition) -> list[User]:
    query = select(User).where(User.active.is_(True), condition).order_by(User.id)
    return list(session.scalars(query))


def _admins_of(org_id: int):
    return and_(User.role == Role.ORG_ADMIN, User.organisation_id == org_id)


def _other_side(session: Session, swap: SwapRequest) -> list[User]:
    counsellor = swap.counter_shift.counsellor_id if swap.counter_shift else None
    return _people(session, or_(_admins_of(swap.to_organisation_id), User.id == counsellor))


def _asking_side(session: Session, swap: SwapRequest) -> list[User]:
    asker = swap.asked_by_id
    return _people(session, or_(_admins_of(swap.from_organisation_id), User.id == asker))


def _coordinators(session: Session) -> list[User]:
    return _people(session, User.role == Role.COORDINATOR)


def _tell(session: Session, mail: MailSettings, people: list[User], swap, step: str) -> None:
    """Mail a step of the request to each person in their language."""
    for person in {p.id: p for p in people}.values():
        with writing_in(mail.locale_for(person)):
            subject = _("[%(ring)s] Swap request: %(org)s", ring=mail.ring_name, org=_org(swap))
            text = render_template(
                "schedule/mail/swap.txt",
                person=person,
                swap=swap,
                step=step,
                link=external_url("schedule.swap_list"),
            )
        queue_notice(session, mail, to=person.email, subject=subject, text=text, kind="swap")


def _org(swap: SwapRequest) -> str:
    return f"{swap.from_organisation.name} → {swap.to_organisation.name}"


def visible_swaps(session: Session, actor: User, now: datetime) -> list[SwapRequest]:
    """The swap requests the actor may see: the ring's (coordinator), those from or to their
    organisation (admin), those they asked or that ask for their shift (counsellor); open ones
    and those of the last 30 days, newest first."""
    scope = policy.management_scope(actor)
    query = select(SwapRequest).where(
        or_(_open(), SwapRequest.updated_at > now - timedelta(days=30))
    )
    if scope.reach == policy.Reach.ORGANISATION:
        query = query.where(
            or_(
                SwapRequest.from_organisation_id == scope.organisation_id,
                SwapRequest.to_organisation_id == scope.organisation_id,
            )
        )
    elif scope.reach != policy.Reach.ALL:
        counter = aliased(Shift)
        asked_of_me = exists().where(
            counter.id == SwapRequest.counter_shift_id, counter.counsellor_id == actor.id
        )
        query = query.where(or_(SwapRequest.asked_by_id == actor.id, asked_of_me))
    query = query.options(
        joinedload(SwapRequest.shift), joinedload(SwapRequest.counter_shift)
    ).order_by(SwapRequest.created_at.desc(), SwapRequest.id.desc())
    return list(session.scalars(query))


def counter_choices(session: Session, shift: Shift, now: datetime) -> list[Shift]:
    """Shifts of the coming weeks the shift may be swapped for: planned, not this one."""
    query = (
        select(Shift)
        .where(
            Shift.status == ShiftStatus.PLANNED,
            Shift.starts_at > now,
            Shift.starts_at < now + timedelta(weeks=CHOICE_WEEKS),
            Shift.id != shift.id,
        )
        .options(joinedload(Shift.organisation), joinedload(Shift.counsellor))
        .order_by(Shift.starts_at, Shift.id)
    )
    return list(session.scalars(query))


def give_choices(session: Session, shift: Shift) -> list[Organisation]:
    """The other member organisations on the shift's day, by name."""
    members = members_in_force(session, shift.local_day)
    return [m.organisation for m in members if m.organisation.id != shift.organisation_id]
