"""What the coordinator sees ahead: each month's demand against the commitments, the slots left
without a shift and why, and shifts still held by organisations no longer in force."""

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, joinedload

from rota.members.service import all_signatures
from rota.schedule.hours.slots import ConcreteSlot
from rota.schedule.models import Shift, ShiftStatus
from rota.schedule.planning import generation
from rota.schedule.planning.eligibility import Eligibility
from rota.schedule.planning.generation import RotaSettings


class GapReason(enum.StrEnum):
    """Why an open slot has no shift."""

    NO_MEMBER = "no-member"  # no organisation is in force that day
    NOBODY_CAN_STAFF = "nobody-can-staff"  # none in force staffs its channel or language
    BEYOND_COMMITMENTS = "beyond-commitments"  # the commitments are used up (uncovered excess)


@dataclass(frozen=True)
class SlotGap:
    """An open slot without a planned shift, and why."""

    slot: ConcreteSlot
    reason: GapReason


def slot_gaps(
    session: Session, first: date, last: date, now: datetime, settings: RotaSettings
) -> list[SlotGap]:
    """The open slots of `first`–`last` not yet started that have no planned shift, with why."""
    planned = set(
        session.scalars(
            select(Shift.slot_key).where(
                Shift.status == ShiftStatus.PLANNED, Shift.on_local_days(first, last)
            )
        )
    )
    eligibility = Eligibility.load(session, settings.shift_hours)
    gaps = []
    for slot in generation.open_slots(session, first, last, settings.zone):
        if slot.key in planned or slot.starts_at <= now:
            continue
        if not eligibility.weights(slot.day):
            reason = GapReason.NO_MEMBER
        elif not eligibility.staffed_by(slot.day, slot.channel, slot.language):
            reason = GapReason.NOBODY_CAN_STAFF
        else:
            reason = GapReason.BEYOND_COMMITMENTS
        gaps.append(SlotGap(slot, reason))
    return gaps


def stranded_shifts(session: Session, now: datetime) -> list[Shift]:
    """Planned shifts not yet started whose organisation is no longer in force on their day
    (a withdrawal or an ended signature after they were planned): each waits for the
    coordinator to give it to another organisation or cancel it; a re-plan does this for the
    unpublished weeks."""
    ahead = (Shift.status == ShiftStatus.PLANNED, Shift.starts_at > now)
    eligibility = Eligibility(all_signatures(session), 1.0)  # who is in force: no languages
    # which organisation holds shifts on which day, not every shift: the months ahead are
    # hundreds of shifts and usually none of them stranded
    held = session.execute(select(Shift.organisation_id, Shift.local_day).where(*ahead).distinct())
    stranded = [(org, day) for org, day in held if org not in eligibility.weights(day)]
    if not stranded:
        return []
    query = (
        select(Shift)
        .where(*ahead, tuple_(Shift.organisation_id, Shift.local_day).in_(stranded))
        .options(joinedload(Shift.organisation))
        .order_by(Shift.starts_at, Shift.id)
    )
    return list(session.scalars(query))
