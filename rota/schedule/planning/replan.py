"""Re-planning a range of the rota on the coordinator's request: preview first, then apply.

Shifts that have started, and shifts outside the range, stay as they are; so do shifts of
published weeks unless the coordinator includes them. Within the range the re-plan moves as few
shifts as today's service hours, closures, memoranda and who can staff what require
(`minchange.py`): counsellors stay named on every shift that keeps its organisation.
"""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
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
from rota.schedule.labels import SLOT_CLOSED
from rota.schedule.models import Shift, ShiftChange, ShiftChangeKind, ShiftStatus
from rota.schedule.planning import generation, minchange, origin, rotation, runs
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
class MemberSummary:
    """What a re-plan does to one organisation: hours gained and lost, e.g. "+13 h / −2 h"."""

    organisation_id: int
    gained: float
    lost: float


@dataclass(frozen=True)
class Replan:
    """The changes a re-plan of `first`–`last` makes, and a fingerprint to apply exactly them."""

    first: date
    last: date
    changes: list[PlannedChange]

    def summary(self) -> list["MemberSummary"]:
        """Per organisation, the hours the re-plan gives it and takes from it, most moved first."""
        gained: dict[int, float] = defaultdict(float)
        lost: dict[int, float] = defaultdict(float)
        for change in self.changes:
            hours = (change.ends_at - change.starts_at).total_seconds() / 3600
            if change.to_org is not None:
                gained[change.to_org] += hours
            if change.from_org is not None:
                lost[change.from_org] += hours
        rows = [MemberSummary(org, gained[org], lost[org]) for org in set(gained) | set(lost)]
        return sorted(rows, key=lambda row: (-(row.gained + row.lost), row.organisation_id))

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


def _slot_change(slot: ConcreteSlot, held: Held | None, move: minchange.Move) -> PlannedChange:
    assignment = (
        rotation.Assignment(slot.key, move.holder, move.behind_hours, False)
        if move.holder
        else None
    )
    if held is None:
        return _change(ADDED, None, slot, assignment)
    if held.status == ShiftStatus.CANCELLED:
        return _change(RESTORED, held, slot, assignment)
    return _change(MOVED if move.holder else CANCELLED, held, slot, assignment)


def owed_at(history: list[Held], eligibility) -> dict[int, float]:
    """Hours each organisation in force after `history` is behind its share: the rotation's
    ledger over the shifts held so far (commitments only). One that has held no shift yet
    starts level: a newcomer takes its share from the first week the re-plan may change."""
    weights = eligibility.weights
    queue = [
        rotation.Slot(h.key, h.hours, eligible, h.organisation_id)
        for h in history
        if h.organisation_id in (eligible := weights(h.day))
    ]
    ledger = rotation.Ledger()
    rotation.assign(queue, ledger)
    return {org: ledger.deviation(org) for org in ledger.weights if ledger.assigned.get(org)}


def preview_replan(
    session: Session,
    first: date,
    last: date,
    now: datetime,
    *,
    settings: RotaSettings,
    include_published: bool = False,
) -> Replan:
    """What re-planning `first`–`last` would change, shift by shift; changes nothing.

    Only the rota there is: weeks with a shift, up to its last one (generation plans the rest).
    """
    check_range(first, last)
    frozen = set() if include_published else published_weeks(session, first, last)
    held = generation.held_shifts(session)

    def movable(h: Held) -> bool:
        return first <= h.day <= last and h.starts_at > now and monday(h.day) not in frozen

    free = {h.key: h for h in held if movable(h)}
    planned = {monday(h.day) for h in held if first <= h.day <= last}
    extent = max((h.day for h in held if first <= h.day <= last), default=first)
    slots = [
        s
        for s in generation.open_slots(session, first, last, settings.zone)
        if s.starts_at > now and s.day <= extent and monday(s.day) in planned - frozen
    ]
    weights = generation.rotation_weights(session, first, last, settings)
    seats = []
    for s in slots:
        shares = weights(s.day)
        h = free.get(s.key)
        planned = h is not None and h.status == ShiftStatus.PLANNED
        seats.append(
            minchange.Seat(
                s.key,
                monday(s.day),
                s.hours,
                h.organisation_id if planned else None,
                planned and h.counsellor_id is not None,
                shares,
                generation.allowed_for(weights, shares, s) if shares else None,
            )
        )
    begins = slots[0].starts_at if slots else now
    history = [
        h
        for h in held
        if h.status == ShiftStatus.PLANNED and h.starts_at < begins and h.key not in free
    ]
    moves = minchange.replan(seats, owed_at(history, weights.eligibility))
    changes = [_slot_change(s, free.get(s.key), moves[s.key]) for s in slots if s.key in moves]
    keys = {s.key for s in slots}
    changes += [
        _change(CANCELLED, h, None, None)
        for h in free.values()
        if h.key not in keys and h.status == ShiftStatus.PLANNED
    ]
    return Replan(first, last, sorted(changes, key=lambda c: (c.starts_at, c.key)))


def _history(shift: Shift, change: PlannedChange, actor_id: int | None, now: datetime):
    kind = ShiftChangeKind.CANCEL if change.kind == CANCELLED else ShiftChangeKind.REPLAN
    reason = generation.reason(change.assignment) if change.assignment else SLOT_CLOSED
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


def change_hands(shift: Shift, change: PlannedChange, now: datetime) -> None:
    """The one place a re-plan changes a shift's holder: to another organisation (its
    counsellor and offer cleared), or cancelled."""
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
    apply_plan(session, plan, now, actor_id, mail)
    runs.record_run(session, runs.REPLAN, first, last, len(plan.changes), actor_id, now)
    return plan


def apply_plan(
    session: Session, plan: Replan, now: datetime, actor_id: int | None, mail: MailSettings | None
) -> None:
    """Make the changes of `plan`, each with its history row; flushes. With `mail`, shifts that
    change hands take their unopened contacts along and everyone concerned is mailed (a what-if
    passes None: it is rolled back)."""
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
        change_hands(shift, rewritten[shift.slot_key], now)
    session.flush()
    if mail is not None:
        handover.shifts_changed_hands(session, _handed(shifts, history), now, settings=mail)
    log.info("re-planned %s–%s: %d changes", plan.first, plan.last, len(plan.changes))


@dataclass(frozen=True)
class CatchUp:
    """What `generate` did: the re-plan for signatures changed since the last run (None when
    none changed), then the extension to the horizon."""

    replan: Replan | None
    result: generation.GenerationResult


def generate(
    session: Session,
    until: date | None,
    now: datetime,
    *,
    settings: RotaSettings,
    mail: MailSettings | None,
    actor_id: int | None = None,
    progress: Callable[[str], None] = generation.quiet,
) -> CatchUp:
    """Re-plan the unpublished weeks with the minimum change when signatures were recorded,
    amended or withdrawn since the last planning run (shifts that change hands take their
    contacts along, everyone concerned is mailed), then extend the rota; flushes."""
    plan = None
    today = now.astimezone(settings.zone).date()
    if runs.signatures_changed(session) and (end := runs.last_planned_day(session, today)):
        plan = preview_replan(session, today, end, now, settings=settings)
        apply_plan(session, plan, now, actor_id, mail)
        progress(f"re-planned {today} to {end} for changed signatures: {len(plan.changes)} shifts")
    result = generation.generate(session, until, now, settings=settings, progress=progress)
    changes = result.created + (len(plan.changes) if plan else 0)
    runs.record_run(session, runs.GENERATE, today, result.until, changes, actor_id, now)
    return CatchUp(plan, result)


def organisations(session: Session, plan: Replan | None) -> dict[int, Organisation]:
    """The organisations a re-plan moves shifts from or to, by id."""
    if plan is None:
        return {}
    ids = {c.from_org for c in plan.changes} | {c.to_org for c in plan.changes}
    ids.discard(None)
    query = select(Organisation).where(Organisation.id.in_(ids))
    return {org.id: org for org in session.scalars(query)} if ids else {}
