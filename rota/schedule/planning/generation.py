"""Extend the rota to its horizon: service hours minus closures, assigned by the fair rotation.

Existing shifts are never moved here: they enter the rotation as fixed slots, so the fairness
ledger continues from the hours organisations actually hold. Only slots without a shift get one,
which makes generation idempotent. Rows are written in bulk (`bulk.py`), without a
history row each: a shift records who the rotation chose, when and why (`origin.py`).
"""

import gc
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rota.errors import Conflict, DomainError
from rota.schedule.hours import closures
from rota.schedule.hours import patterns as hours
from rota.schedule.hours.slots import ConcreteSlot, expand
from rota.schedule.models import Shift, ShiftStatus
from rota.schedule.planning import origin, rotation
from rota.schedule.planning.bulk import Constant, bulk_insert
from rota.schedule.planning.eligibility import (
    Eligibility,
    ExcessDemand,
    RotationWeights,
    month_of,
)
from rota.schedule.planning.rotation import GAP

log = logging.getLogger(__name__)

BATCH = 20_000


@dataclass(frozen=True)
class RotaSettings:
    """The rota's configuration: service zone, hours per committed shift, horizon in weeks,
    what to do with service hours beyond the commitments."""

    zone: ZoneInfo
    shift_hours: float = 3.0
    horizon_weeks: int = 12
    excess_demand: ExcessDemand = ExcessDemand.UNCOVERED

    @classmethod
    def from_config(cls, config) -> "RotaSettings":
        """Settings from a Flask config (TIMEZONE, SHIFT_HOURS, ROTA_HORIZON_WEEKS,
        EXCESS_DEMAND)."""
        try:
            excess = ExcessDemand(config["EXCESS_DEMAND"])
        except ValueError as exc:
            raise ValueError(
                f"EXCESS_DEMAND must be one of {', '.join(ExcessDemand)}, "
                f"not {config['EXCESS_DEMAND']!r}"
            ) from exc
        return cls(
            ZoneInfo(config["TIMEZONE"]),
            float(config["SHIFT_HOURS"]),
            int(config["ROTA_HORIZON_WEEKS"]),
            excess,
        )


@dataclass(frozen=True)
class GenerationResult:
    """What a generation run did: shifts created, kept, slots nobody could take, stale shifts."""

    first: date
    until: date
    created: int
    existing: int
    unassigned: int
    stale: int


@dataclass(frozen=True, slots=True)
class Held:
    """An existing shift as the rotation sees it."""

    key: str
    day: date
    starts_at: datetime
    ends_at: datetime
    organisation_id: int
    status: str
    counsellor_id: int | None

    @property
    def hours(self) -> float:
        """Length in hours."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600


def held_shifts(session: Session) -> list[Held]:
    """Every stored shift (planned and cancelled) as plain rows, in time order."""
    query = select(
        Shift.slot_key,
        Shift.local_day,
        Shift.starts_at,
        Shift.ends_at,
        Shift.organisation_id,
        Shift.status,
        Shift.counsellor_id,
    ).order_by(Shift.starts_at, Shift.slot_key)
    return [Held(*row) for row in session.execute(query)]


def open_slots(session: Session, first: date, last: date, zone: ZoneInfo) -> list[ConcreteSlot]:
    """The slots of the service hours from `first` to `last` on days the ring is open."""
    closed = closures.closed_days(session, first, last)
    return expand(hours.templates(session), first, last, closed, zone)


def monthly_demand(
    session: Session, first: date, last: date, eligibility: Eligibility, zone: ZoneInfo
) -> dict[tuple[int, int], float]:
    """(year, month) → hours of the open slots some member in force can staff, for every
    month touching `first`–`last`: the demand the commitments are compared with."""
    start = first.replace(day=1)
    end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    demand: dict[tuple[int, int], float] = {}
    for slot in open_slots(session, start, end, zone):
        if eligibility.staffed_by(slot.day, slot.channel, slot.language):
            month = month_of(slot.day)
            demand[month] = demand.get(month, 0.0) + slot.hours
    return demand


def rotation_weights(
    session: Session, first: date, last: date, settings: RotaSettings
) -> RotationWeights:
    """The weights to rotate `first`–`last` with: commitments, and the gap when they fall short."""
    eligibility = Eligibility.load(session, settings.shift_hours)
    demand = monthly_demand(session, first, last, eligibility, settings.zone)
    return RotationWeights(eligibility, demand, settings.excess_demand)


def allowed_for(
    weights: RotationWeights, eligible: dict[int, float], slot: ConcreteSlot
) -> frozenset[int] | None:
    """Who may take `slot` (None: everyone eligible); empty when no member can staff it."""
    able = weights.eligibility.staffed_by(slot.day, slot.channel, slot.language)
    if len(able) == len(eligible) - (GAP in eligible):
        return None
    return able | {GAP} if able and GAP in eligible else able


def rotate(
    fixed: Iterable[Held], free: Iterable[ConcreteSlot], weights: RotationWeights
) -> dict[str, rotation.Assignment]:
    """Assign the free slots after the fixed ones in time order; slot key → assignment.

    A fixed shift of an organisation not in force on its day (it left after the shift was
    planned) stays with it but is left out of the ledger; free slots nobody in force can
    staff, and those that fall to the gap (beyond the commitments), get no assignment.
    """
    budget = weights.budget
    merged = [
        (
            h.starts_at,
            h.key,
            rotation.Slot(
                h.key, h.hours, eligible, h.organisation_id, None, budget(h.day), month_of(h.day)
            ),
        )
        for h in fixed
        if h.organisation_id in (eligible := weights(h.day))
    ]
    for day, slots in groupby(free, attrgetter("day")):
        if eligible := weights(day):
            limits, month = budget(day), month_of(day)
            for s in slots:
                allowed = allowed_for(weights, eligible, s)
                if allowed is None or allowed:
                    slot = rotation.Slot(s.key, s.hours, eligible, None, allowed, limits, month)
                    merged.append((s.starts_at, s.key, slot))
    merged.sort(key=itemgetter(0, 1))
    queue = [item[2] for item in merged]
    return {
        a.slot_key: a
        for a in rotation.assign(queue, rotation.Ledger())
        if not a.fixed and a.org_id != GAP
    }


def reason(assignment: rotation.Assignment) -> str:
    """The stored reason of an assignment, e.g. "12.0 h behind its share"."""
    return origin.behind_text(assignment.behind_hours)


def store_shifts(
    session: Session,
    planned: list[tuple[ConcreteSlot, rotation.Assignment]],
    now: datetime,
    progress: Callable[[str], None],
) -> None:
    """Insert the planned shifts in bulk; each keeps its assignment's reason in behind_hours.

    No history row is written: the shift itself records who the rotation chose, when
    (created_at) and why (behind_hours); its history starts with the first real change.
    """
    for start in range(0, len(planned), BATCH):
        slots, assignments = zip(*planned[start : start + BATCH], strict=True)
        bulk_insert(session, Shift.__table__, _shift_columns(slots, assignments, now))
        progress(f"stored {start + len(slots)} of {len(planned)} shifts")


def _shift_columns(slots, assignments, now: datetime) -> dict:
    """Column name → values (or a constant) of new planned shifts."""
    keys, days, channels, languages, starts, ends, _hours = zip(*slots, strict=True)
    return {
        "slot_key": keys,
        "channel": channels,
        "language": languages,
        "local_day": days,
        "starts_at": starts,
        "ends_at": ends,
        "organisation_id": [a.org_id for a in assignments],
        "behind_hours": [a.behind_hours for a in assignments],
        "status": Constant(ShiftStatus.PLANNED),
        "offer_note": Constant(""),
        "sequence": Constant(0),
        "version": Constant(1),
        "created_at": Constant(now),
        "updated_at": Constant(now),
    }


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk computation.

    Generation allocates several objects per slot that all live until the rows are stored
    and form no reference cycles; the collector would walk them again and again (a quarter of
    the run time at 100 000 slots) and free nothing. Reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def quiet(_message: str) -> None:
    """Progress that goes nowhere."""


def generate(
    session: Session,
    until: date | None,
    now: datetime,
    *,
    settings: RotaSettings,
    progress: Callable[[str], None] = quiet,
) -> GenerationResult:
    """Give every open slot from today to `until` (default: the horizon) a shift; flushes."""
    today = now.astimezone(settings.zone).date()
    until = until or today + timedelta(weeks=settings.horizon_weeks)
    if until < today:
        raise DomainError(_l("The rota can only be extended into the future."), "until")
    with collector_paused():
        return _extend(session, today, until, now, settings, progress)


def _extend(
    session: Session,
    today: date,
    until: date,
    now: datetime,
    settings: RotaSettings,
    progress: Callable[[str], None],
) -> GenerationResult:
    """Generation proper: plan the free slots after the held shifts, store them in bulk."""
    held = held_shifts(session)
    taken = {h.key for h in held}
    free = [
        s
        for s in open_slots(session, today, until, settings.zone)
        if s.key not in taken and s.starts_at > now
    ]
    progress(f"{len(free)} new slots from {today} to {until}, {len(held)} existing shifts")
    weights = rotation_weights(session, today, until, settings)
    eligibility = weights.eligibility
    planned_held = [h for h in held if h.status == ShiftStatus.PLANNED]
    assignments = rotate(planned_held, free, weights)
    planned = [(slot, assignments[slot.key]) for slot in free if slot.key in assignments]
    try:
        store_shifts(session, planned, now, progress)
    except IntegrityError as exc:
        raise Conflict(
            _l("The rota was extended at the same time elsewhere. Run it again.")
        ) from exc
    stale = sum(
        1
        for h in planned_held
        if h.starts_at > now and h.organisation_id not in eligibility.weights(h.day)
    )
    log.info("rota extended to %s: %d shifts created, %d stale", until, len(planned), stale)
    return GenerationResult(today, until, len(planned), len(held), len(free) - len(planned), stale)
