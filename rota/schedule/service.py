"""Shift operations: name the counsellor, offer, take, override; each one recorded in history.

Every change bumps the shift's `sequence` and `updated_at` (calendar feeds rely on both) and the
ORM's version check refuses a write based on a stale read. Taking an offered shift is a
conditional UPDATE, so of two admins taking the same shift at once exactly one wins.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rota.auth import policy
from rota.errors import Conflict, DomainError, NotFound, found
from rota.members.models import Organisation, Role, User
from rota.members.people import people_in_scope
from rota.members.service import members_in_force
from rota.outbox.service import MailSettings
from rota.schedule.absences import is_absent
from rota.schedule.handover import shift_changed_hands
from rota.schedule.labels import channel_label
from rota.schedule.models import Channel, Shift, ShiftChange, ShiftChangeKind, ShiftStatus

log = logging.getLogger(__name__)

NO_SUCH_SHIFT = _l("No such shift. It may have been removed from the rota.")
CHANGED_MEANWHILE = _l("Someone changed this shift meanwhile. Reload the page and try again.")


def get_shift(session: Session, shift_id: int) -> Shift:
    """The shift with this id, or NotFound."""
    return found(session.get(Shift, shift_id), NO_SUCH_SHIFT)


def get_managed_shift(session: Session, shift_id: int, actor: User) -> Shift:
    """A shift the actor manages (names its counsellor, offers it), or NotFound."""
    shift = get_shift(session, shift_id)
    if not policy.may_manage_shift(actor, shift.organisation_id):
        raise NotFound(NO_SUCH_SHIFT)
    return shift


def _check_changeable(shift: Shift, now: datetime, version: int | None, *, past_ok=False):
    if version is not None and version != shift.version:
        raise Conflict(CHANGED_MEANWHILE)
    if shift.status == ShiftStatus.CANCELLED:
        raise DomainError(_l("This shift is cancelled; nothing can change on it."))
    if not past_ok and shift.ends_at <= now:
        raise DomainError(_l("This shift is over. Ask the coordinator to correct past shifts."))


def _record(
    session: Session, shift: Shift, kind: ShiftChangeKind, actor: User, now: datetime, **change
):
    """Add a history row and bump the shift's sequence and modification time."""
    shift.sequence = (shift.sequence or 0) + 1
    shift.updated_at = now
    session.add(ShiftChange(shift_id=shift.id, at=now, kind=kind, actor_id=actor.id, **change))
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(CHANGED_MEANWHILE) from exc


def check_counsellor(session: Session, shift: Shift, person: User, actor: User) -> None:
    """Refuse a person who may not counsel on this shift, saying whom to choose instead."""
    if not person.active or person.role == Role.COORDINATOR:
        raise DomainError(_l("Choose an active counsellor."), "counsellor_id")
    if not policy.may_staff_with(actor, person.organisation_id, shift.organisation_id):
        raise DomainError(
            _l(
                "%(name)s is not one of %(org)s's people: choose one of its own counsellors.",
                name=person.name,
                org=shift.organisation.name,
            ),
            "counsellor_id",
        )
    if shift.language and shift.language not in person.language_list:
        raise DomainError(
            _l(
                "This shift is in %(language)s and %(name)s does not counsel in it: choose "
                "someone who does, or add the language to their profile.",
                language=shift.language,
                name=person.name,
            ),
            "counsellor_id",
        )
    if is_absent(session, person.id, shift.starts_at, shift.ends_at):
        raise DomainError(
            _l("%(name)s is away during this shift: choose someone else.", name=person.name),
            "counsellor_id",
        )
    if (other := _overlapping_shift(session, shift, person)) is not None:
        raise DomainError(
            _l(
                "%(name)s is already on the shift %(shift)s: choose someone else.",
                name=person.name,
                shift=shift_words(other),
            ),
            "counsellor_id",
        )


def shift_words(shift: Shift) -> str:
    """A shift as people name it: "ti 6.1. 9.00–12.00 puhelin" in the reader's language."""
    starts = format_datetime(shift.starts_at, "EEE d.M. HH:mm")
    return f"{starts}–{format_datetime(shift.ends_at, 'HH:mm')} {channel_label(shift.channel)}"


def _overlapping_shift(session: Session, shift: Shift, person: User) -> Shift | None:
    """Another planned shift the person is already named to that overlaps this one."""
    query = select(Shift).where(
        Shift.counsellor_id == person.id,
        Shift.id != shift.id,
        Shift.status == ShiftStatus.PLANNED,
        Shift.starts_at < shift.ends_at,
        Shift.ends_at > shift.starts_at,
    )
    return session.scalars(query.order_by(Shift.starts_at).limit(1)).first()


def _person(session: Session, person_id: int | None) -> User | None:
    if not person_id:
        return None
    person = session.get(User, person_id)
    if person is None:
        raise DomainError(_l("Choose a counsellor from the list."), "counsellor_id")
    return person


def name_counsellor(
    session: Session,
    shift_id: int,
    actor: User,
    *,
    counsellor_id: int | None,
    now: datetime,
    version: int | None = None,
) -> Shift:
    """Name the counsellor of a shift (None leaves it open); its organisation's admin does."""
    shift = get_managed_shift(session, shift_id, actor)
    _check_changeable(shift, now, version)
    person = _person(session, counsellor_id)
    if person is not None:
        check_counsellor(session, shift, person, actor)
    _name(session, shift, person, actor, now)
    return shift


def _name(session: Session, shift: Shift, person: User | None, actor: User, now: datetime):
    before = shift.counsellor_id
    shift.counsellor = person
    _record(
        session,
        shift,
        ShiftChangeKind.NAME,
        actor,
        now,
        from_counsellor_id=before,
        to_counsellor_id=person and person.id,
    )


def shifts_in_scope(scope: policy.Scope):
    """SQL condition: the shifts of the organisations a management scope reaches."""
    if scope.reach == policy.Reach.ALL:
        return true()
    if scope.reach == policy.Reach.ORGANISATION:
        return Shift.organisation_id == scope.organisation_id
    return Shift.id.is_(None)


@dataclass(frozen=True)
class ShiftRule:
    """Every `weekday` (Monday = 0) shift of `channel` on the local days first..last."""

    weekday: int
    channel: Channel
    first_day: date
    last_day: date


def shifts_by_rule(session: Session, actor: User, rule: ShiftRule, now: datetime) -> list[Shift]:
    """The planned shifts the actor manages that the rule picks and that are not yet over."""
    query = select(Shift).where(
        Shift.on_local_days(rule.first_day, rule.last_day),
        Shift.status == ShiftStatus.PLANNED,
        Shift.channel == rule.channel,
        Shift.not_over(now),
        shifts_in_scope(policy.management_scope(actor)),
    )
    shifts = session.scalars(query.order_by(Shift.starts_at, Shift.id))
    return [s for s in shifts if s.local_day.weekday() == rule.weekday]


def managed_shifts(session: Session, shift_ids, actor: User) -> list[Shift]:
    """The shifts with these ids, all of them the actor's to manage, or NotFound."""
    wanted = set(shift_ids)
    query = select(Shift).where(Shift.id.in_(wanted))
    shifts = list(session.scalars(query.order_by(Shift.starts_at, Shift.id)))
    if len(shifts) != len(wanted) or not all(
        policy.may_manage_shift(actor, s.organisation_id) for s in shifts
    ):
        raise NotFound(NO_SUCH_SHIFT)
    return shifts


def _clashes_within(shifts: list[Shift]) -> list[tuple[Shift, str]]:
    """Pairs among the chosen shifts that overlap in time: one person cannot take both."""
    clashes, longest = [], None  # shifts are in start order; longest: the latest to end yet
    for shift in shifts:
        if longest is not None and shift.starts_at < longest.ends_at:
            message = _l("at the same time as %(shift)s", shift=shift_words(longest))
            clashes.append((shift, str(message)))
        if longest is None or shift.ends_at > longest.ends_at:
            longest = shift
    return clashes


def name_counsellor_on_shifts(
    session: Session, actor: User, *, shift_ids, counsellor_id: int | None, now: datetime
) -> list[Shift]:
    """Name one counsellor on many shifts in one go: every shift passes the checks of naming
    one (changeable, the organisation's person, language, away, double booking) or none
    changes, and the refusal names each shift and why."""
    if not shift_ids:
        raise DomainError(_l("Choose at least one shift."), "shift_ids")
    person = _person(session, counsellor_id)
    if person is None:
        raise DomainError(_l("Choose a counsellor from the list."), "counsellor_id")
    shifts = managed_shifts(session, shift_ids, actor)
    problems = _clashes_within(shifts)
    for shift in shifts:
        try:
            _check_changeable(shift, now, None)
            check_counsellor(session, shift, person, actor)
        except DomainError as exc:
            problems.append((shift, str(exc.user_message)))
    if problems:
        listed = "; ".join(f"{shift_words(s)}: {why}" for s, why in problems)
        raise DomainError(
            _l(
                "%(name)s was not named to any shift. Leave these out or choose someone "
                "else: %(problems)s",
                name=person.name,
                problems=listed,
            ),
            "counsellor_id",
        )
    for shift in shifts:
        _name(session, shift, person, actor, now)
    return shifts


def staff_choices(session: Session, actor: User) -> list[User]:
    """Active counsellors and admins the actor may name to their shifts (by organisation, name)."""
    query = select(User).where(
        User.active.is_(True),
        User.role != Role.COORDINATOR,
        people_in_scope(policy.management_scope(actor)),
    )
    people = session.scalars(query.order_by(User.name))
    return sorted(people, key=lambda p: (p.organisation.name if p.organisation else "", p.name))


def person_label(person: User) -> str:
    """A person in a choice list of several organisations' people: "Anna (Gradia)"."""
    org = person.organisation
    return f"{person.name} ({org.short_name})" if org is not None else person.name


def counsellor_choices(session: Session, shift: Shift, actor: User) -> list[User]:
    """People who could be named to the shift: its organisation's (anyone's for the coordinator)."""
    query = select(User).where(
        User.active.is_(True),
        User.role != Role.COORDINATOR,
        people_in_scope(policy.staffing_scope(actor, shift.organisation_id)),
    )
    people = session.scalars(query.order_by(User.name))
    return [p for p in people if not shift.language or shift.language in p.language_list]


def offer_shift(
    session: Session, shift_id: int, actor: User, *, note: str, now: datetime, version=None
) -> Shift:
    """Offer an own shift to the other organisations, with a note saying why."""
    shift = get_managed_shift(session, shift_id, actor)
    _check_changeable(shift, now, version)
    if shift.offered_at is not None:
        raise DomainError(_l("This shift is already offered. Withdraw the offer to change it."))
    shift.offered_at, shift.offered_by, shift.offer_note = now, actor, (note or "").strip()
    _record(
        session,
        shift,
        ShiftChangeKind.OFFER,
        actor,
        now,
        from_organisation_id=shift.organisation_id,
        reason=shift.offer_note,
    )
    return shift


def withdraw_offer(
    session: Session, shift_id: int, actor: User, *, now: datetime, version=None
) -> Shift:
    """Take an offer back while nobody has taken the shift."""
    shift = get_managed_shift(session, shift_id, actor)
    _check_changeable(shift, now, version)
    if shift.offered_at is None:
        raise DomainError(_l("This shift is not offered; there is nothing to withdraw."))
    _clear_offer(shift)
    _record(session, shift, ShiftChangeKind.WITHDRAW, actor, now)
    return shift


def _clear_offer(shift: Shift) -> None:
    shift.offered_at, shift.offered_by, shift.offer_note = None, None, ""


def _check_taker(session: Session, shift: Shift, actor: User, now: datetime) -> None:
    if not policy.may_take_shifts(actor):
        raise NotFound(NO_SUCH_SHIFT)
    if actor.organisation_id == shift.organisation_id:
        raise DomainError(
            _l("This is already your organisation's shift; withdraw the offer instead.")
        )
    if shift.starts_at <= now:
        raise DomainError(_l("This shift has already started; it can no longer be taken."))
    members = {m.organisation.id for m in members_in_force(session, shift.local_day)}
    if actor.organisation_id not in members:
        raise DomainError(
            _l("Your organisation has no memorandum in force on that day, so it cannot take it.")
        )


def _taken_by(session: Session, shift: Shift) -> str | None:
    query = (
        select(Organisation.name)
        .join(ShiftChange, ShiftChange.to_organisation_id == Organisation.id)
        .where(
            ShiftChange.shift_id == shift.id,
            ShiftChange.kind.in_([ShiftChangeKind.TAKE, ShiftChangeKind.OVERRIDE]),
        )
        .order_by(ShiftChange.at.desc(), ShiftChange.id.desc())
    )
    return session.scalar(query.limit(1))


def _lost_race(session: Session, shift: Shift) -> DomainError:
    session.refresh(shift)
    if shift.offered_at is not None:
        return Conflict(CHANGED_MEANWHILE)
    taker = _taken_by(session, shift)
    if taker is None:
        return DomainError(_l("This shift is no longer offered."))
    return Conflict(_l("This shift was just taken by %(org)s; it is no longer offered.", org=taker))


def take_shift(
    session: Session,
    shift_id: int,
    actor: User,
    *,
    reason: str,
    now: datetime,
    settings: MailSettings,
    version=None,
) -> Shift:
    """Take another organisation's offered shift for the actor's organisation (first one wins);
    its unopened contacts follow it and both organisations hear of it."""
    shift = get_shift(session, shift_id)
    if shift.offered_at is None:
        raise _lost_race(session, shift)
    _check_taker(session, shift, actor, now)
    seen = shift.version if version is None else version
    before = (shift.organisation_id, shift.counsellor_id)
    taken = session.execute(
        update(Shift)
        .where(Shift.id == shift.id, Shift.offered_at.is_not(None), Shift.version == seen)
        .values(
            organisation_id=actor.organisation_id,
            counsellor_id=None,
            offered_at=None,
            offered_by_id=None,
            offer_note="",
            version=seen + 1,
            sequence=Shift.sequence + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise _lost_race(session, shift)
    session.add(
        ShiftChange(
            shift_id=shift.id,
            at=now,
            kind=ShiftChangeKind.TAKE,
            actor_id=actor.id,
            from_organisation_id=before[0],
            to_organisation_id=actor.organisation_id,
            from_counsellor_id=before[1],
            reason=(reason or "").strip(),
        )
    )
    session.flush()
    session.refresh(shift)
    log.info("shift %s taken by organisation %s", shift.id, actor.organisation_id)
    shift_changed_hands(session, shift, *before, ShiftChangeKind.TAKE, now, settings=settings)
    return shift


def override_shift(
    session: Session,
    shift_id: int,
    actor: User,
    *,
    organisation_id: int,
    counsellor_id: int | None,
    reason: str,
    now: datetime,
    settings: MailSettings,
    version=None,
) -> Shift:
    """The coordinator reassigns a shift (organisation and/or counsellor), saying why; its
    unopened contacts follow it and everyone concerned hears of it."""
    if not policy.may_override_shift(actor):
        raise NotFound(NO_SUCH_SHIFT)
    shift = get_shift(session, shift_id)
    _check_changeable(shift, now, version, past_ok=True)
    if not (reason or "").strip():
        raise DomainError(
            _l("Say why you override the rota; the reason is kept in the history."), "reason"
        )
    organisation = session.get(Organisation, organisation_id or 0)
    if organisation is None:
        raise DomainError(_l("Choose an organisation from the list."), "organisation_id")
    before = (shift.organisation_id, shift.counsellor_id)
    shift.organisation = organisation
    person = _person(session, counsellor_id)
    if person is not None:
        check_counsellor(session, shift, person, actor)
    shift.counsellor = person
    _clear_offer(shift)
    _record(
        session,
        shift,
        ShiftChangeKind.OVERRIDE,
        actor,
        now,
        from_organisation_id=before[0],
        to_organisation_id=organisation.id,
        from_counsellor_id=before[1],
        to_counsellor_id=person and person.id,
        reason=reason.strip(),
    )
    if before != (shift.organisation_id, shift.counsellor_id):
        shift_changed_hands(
            session, shift, *before, ShiftChangeKind.OVERRIDE, now, settings=settings
        )
    return shift
