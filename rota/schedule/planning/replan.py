"""Re-planning a range of the rota on the coordinator's request: preview first, then apply.

Shifts that have started, and shifts outside the range, stay as they are and feed the fairness
ledger; so do shifts of published weeks unless the coordinator includes them. Within the range
the rotation runs again over today's service hours, closures and memoranda.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.errors import Conflict
from rota.members.models import Organisation
from rota.outbox.service import MailSettings
from rota.schedule import handover
from rota.schedule.days import check_range, monday
from rota.schedule.hours.slots import ConcreteSlot
from rota.schedule.models import Shift, ShiftChange, ShiftChangeKind, ShiftStatus
from rota.schedule.planning import generation, origin, rotation
from rota.schedule.planning.eligibility import Eligibility
from rota.schedule.planning.generation import Held, RotaSettings
from rota.schedule.planning.publishing import published_weeks

log = logging.getLogger(__name__)

ADDED, MOVED, RESTORED, CANCELLED = "added", "moved", "restored", "cancelled"


@dataclass(frozen=True)
class PlannedChange:
    """One shift that a re-plan changes: from which organisation to which, and why."""

    kind: str
    key: str
    day: date
    starts_at: datetime
    ends_at: datetime
    from_org: int | None
    to_org: int | None
    loses_counsellor: bool = False
    slot: ConcreteSlot | None = None
    assignment: rotation.Assignment | None = None


@dataclass(frozen=True)
class Replan:
    """The changes a re-plan of `first`–`last` makes, and a fingerprint to apply exactly them."""

    first: date
    last: date
    changes: list[PlannedChange]

    @property
    def fingerprint(self) -> str:
        """A short hash of the changes: applying checks the rota still gives the same ones."""
        text = "\n".join(f"{c.kind} {c.key} {c.from_org} {c.to_org}" for c in self.changes)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _change(kind: str, held: Held | None, slot, assignment) -> PlannedChange:
    source = slot or held
    return PlannedChange(
        kind=kind,
        key=source.key,
        day=source.day,
        starts_at=source.starts_at,
        ends_at=source.ends_at,
        from_org=held.organisation_id if held and held.status == ShiftStatus.PLANNED else None,
        to_org=assignment.org_id if assignment else None,
        loses_counsellor=bool(held and held.counsellor_id),
        slot=slot,
        assignment=assignment,
    )


def _slot_change(slot: ConcreteSlot, held: Held | None, assignment) -> PlannedChange | None:
    to_org = assignment.org_id if assignment else None
    if held is None:
        return _change(ADDED, None, slot, assignment) if to_org else None
    if held.status == ShiftStatus.CANCELLED:
        return _change(RESTORED, held, slot, assignment) if to_org else None
    if to_org == held.organisation_id:
        return None
    return _change(MOVED if to_org else CANCELLED, held, slot, assignment)


def preview_replan(
    session: Session,
    first: date,
    last: date,
    now: datetime,
    *,
    settings: RotaSettings,
    include_published: bool = False,
) -> Replan:
    """What re-planning `first`–`last` would change, shift by shift; changes nothing."""
    check_range(first, last)
    frozen = set() if include_published else published_weeks(session, first, last)
    held = generation.held_shifts(session)

    def movable(h: Held) -> bool:
        return first <= h.day <= last and h.starts_at > now and monday(h.day) not in frozen

    free = {h.key: h for h in held if movable(h)}
    fixed = [h for h in held if h.status == ShiftStatus.PLANNED and h.key not in free]
    slots = [
        s
        for s in generation.open_slots(session, first, last, settings.zone)
        if s.starts_at > now and monday(s.day) not in frozen
    ]
    assignments = generation.rotate(fixed, slots, Eligibility.load(session, settings.shift_hours))
    changes = [_slot_change(s, free.get(s.key), assignments.get(s.key)) for s in slots]
    keys = {s.key for s in slots}
    changes += [
        _change(CANCELLED, h, None, None)
        for h in free.values()
        if h.key not in keys and h.status == ShiftStatus.PLANNED
    ]
    found = sorted((c for c in changes if c is not None), key=lambda c: (c.starts_at, c.key))
    return Replan(first, last, found)


def _history(shift: Shift, change: PlannedChange, actor_id: int | None, now: datetime):
    kind = ShiftChangeKind.CANCEL if change.kind == CANCELLED else ShiftChangeKind.REPLAN
    reason = (
        generation.reason(change.assignment) if change.assignment else "re-planned: slot closed"
    )
    return ShiftChange(
        shift_id=shift.id,
        at=now,
        kind=kind,
        actor_id=actor_id,
        from_organisation_id=change.from_org,
        to_organisation_id=change.to_org,
        from_counsellor_id=shift.counsellor_id,
        reason=reason,
    )


def _rewrite(shift: Shift, change: PlannedChange, now: datetime) -> None:
    if change.kind == CANCELLED:
        shift.status = ShiftStatus.CANCELLED
    else:
        shift.status = ShiftStatus.PLANNED
        shift.organisation_id = change.to_org
        shift.behind_hours = change.assignment.behind_hours
    shift.counsellor_id = None
    shift.offered_at, shift.offered_by_id, shift.offer_note = None, None, ""
    shift.sequence += 1
    shift.updated_at = now


def _handed(shifts: list[Shift], history: list[ShiftChange]):
    """(shift, previous org, previous counsellor, kind) of the rewritten shifts."""
    for shift, change in zip(shifts, history, strict=True):
        yield shift, change.from_organisation_id, change.from_counsellor_id, change.kind


def apply_replan(
    session: Session,
    first: date,
    last: date,
    now: datetime,
    *,
    actor_id: int | None,
    fingerprint: str,
    settings: RotaSettings,
    mail: MailSettings,
    include_published: bool = False,
) -> Replan:
    """Apply the re-plan the coordinator previewed (same fingerprint), or Conflict; flushes.
    Shifts that change hands take their unopened contacts along; everyone concerned is mailed."""
    plan = preview_replan(
        session, first, last, now, include_published=include_published, settings=settings
    )
    if plan.fingerprint != fingerprint:
        raise Conflict(
            _l("The rota changed after the preview. Check the new preview and apply it again.")
        )
    added = [(c.slot, c.assignment) for c in plan.changes if c.kind == ADDED]
    generation.store_shifts(session, added, now, generation.quiet)
    rewritten = {c.key: c for c in plan.changes if c.kind != ADDED}
    shifts = (
        list(session.scalars(select(Shift).where(Shift.slot_key.in_(rewritten))))
        if rewritten
        else []
    )
    origin.keep_origins(session, shifts)
    history = [_history(shift, rewritten[shift.slot_key], actor_id, now) for shift in shifts]
    for shift, change in zip(shifts, history, strict=True):
        session.add(change)
        _rewrite(shift, rewritten[shift.slot_key], now)
    session.flush()
    handover.shifts_changed_hands(session, _handed(shifts, history), now, settings=mail)
    log.info("re-planned %s–%s: %d changes", first, last, len(plan.changes))
    return plan


def organisations(session: Session, plan: Replan | None) -> dict[int, Organisation]:
    """The organisations a re-plan moves shifts from or to, by id."""
    if plan is None:
        return {}
    ids = {c.from_org for c in plan.changes} | {c.to_org for c in plan.changes}
    ids.discard(None)
    query = select(Organisation).where(Organisation.id.in_(ids))
    return {org.id: org for org in session.scalars(query)} if ids else {}
