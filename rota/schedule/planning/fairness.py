"""The fairness table: per organisation, its entitled hours against the hours it actually holds.

Each planned shift's hours are split between the organisations in force on its day in
proportion to their commitments (the entitlement); the organisation holding the shift, after
swaps and overrides, is the one that actually took its hours (assigned).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rota.members.models import Organisation
from rota.members.service import members_in_force
from rota.schedule.days import check_range
from rota.schedule.models import Shift, ShiftStatus
from rota.schedule.planning.eligibility import Eligibility, month_of
from rota.schedule.planning.generation import RotaSettings, rotation_weights

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class FairnessRow:
    """One organisation's line: commitment on the last day, share, entitled, assigned hours."""

    organisation: Organisation
    commitment: float | None
    share: float
    entitled: float
    assigned: float

    @property
    def difference(self) -> float:
        """Assigned minus entitled hours: positive means more than its share."""
        return self.assigned - self.entitled


@dataclass(frozen=True)
class FairnessTable:
    """The fairness table of a date range, with the longest shift as the yardstick."""

    first: date
    last: date
    rows: list[FairnessRow]
    total_hours: float
    longest_shift: float


def tally(
    shifts: Iterable[tuple[date, float, int]], weights: Callable[[date], dict[int, float]]
) -> tuple[dict[int, float], dict[int, float]]:
    """Entitled and assigned hours per organisation from (day, hours, holder) of shifts."""
    entitled: dict[int, float] = defaultdict(float)
    assigned: dict[int, float] = defaultdict(float)
    for day, length, holder in shifts:
        assigned[holder] += length
        shares = weights(day)
        total = sum(shares.values())
        for org_id, weight in shares.items():
            entitled[org_id] += length * weight / total
    return entitled, assigned


def _shifts(session: Session, first: date, last: date) -> list[tuple[date, float, int]]:
    query = select(Shift.local_day, Shift.starts_at, Shift.ends_at, Shift.organisation_id).where(
        Shift.status == ShiftStatus.PLANNED, Shift.on_local_days(first, last)
    )
    return [
        (day, (ends - starts).total_seconds() / 3600, org_id)
        for day, starts, ends, org_id in session.execute(query)
    ]


def fairness_table(
    session: Session, first: date, last: date, settings: RotaSettings
) -> FairnessTable:
    """Per organisation: committed share, entitled and assigned hours in `first`–`last`."""
    check_range(first, last, max_days=None)
    shifts = _shifts(session, first, last)
    eligibility = Eligibility.load(session, settings.shift_hours)
    entitled, assigned = tally(shifts, eligibility.weights)
    total = sum(length for _day, length, _org in shifts)
    committed = {
        m.organisation.id: m.weight(settings.shift_hours) for m in members_in_force(session, last)
    }
    ids = set(entitled) | set(assigned) | set(committed)
    orgs = session.scalars(select(Organisation).where(Organisation.id.in_(ids))) if ids else []
    rows = [
        FairnessRow(
            org,
            committed.get(org.id),
            entitled.get(org.id, 0.0) / total if total else 0.0,
            entitled.get(org.id, 0.0),
            assigned.get(org.id, 0.0),
        )
        for org in sorted(orgs, key=lambda o: o.name.casefold())
    ]
    longest = max((length for _day, length, _org in shifts), default=0.0)
    return FairnessTable(first, last, rows, total, longest)


@dataclass(frozen=True)
class MonthRow:
    """One organisation in one month: hours committed (its commitment, pro rata for the days in
    force within the range), entitled (its share of the shifts held) and assigned (held)."""

    organisation: Organisation
    month: tuple[int, int]
    committed: float
    entitled: float
    assigned: float

    @property
    def above_commitment(self) -> float:
        """Hours held beyond the commitment (0 when within it)."""
        return max(0.0, self.assigned - self.committed)


@dataclass(frozen=True)
class MonthDemand:
    """A month's service hours some member can staff, against the commitments in force."""

    month: tuple[int, int]
    demand: float
    committed: float

    @property
    def uncovered(self) -> float:
        """Demand beyond the commitments (0 when they cover it)."""
        return max(0.0, self.demand - self.committed)


def _committed(eligibility: Eligibility, first: date, last: date) -> dict[tuple, float]:
    """(org id, month) → commitment hours, each day in force counting 1/days-of-its-month."""
    result: dict[tuple, float] = defaultdict(float)
    day = first
    while day <= last:
        days = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - ONE_DAY).day
        for org_id, weight in eligibility.weights(day).items():
            result[(org_id, month_of(day))] += weight / days
        day += ONE_DAY
    return result


def monthly_fairness(
    session: Session, first: date, last: date, settings: RotaSettings
) -> tuple[list[MonthDemand], list[MonthRow]]:
    """Per month of `first`–`last`: demand against commitments; and per organisation and
    month: committed, entitled and assigned hours."""
    check_range(first, last, max_days=None)
    weights = rotation_weights(session, first, last, settings)
    eligibility = weights.eligibility
    committed = _committed(eligibility, first, last)
    entitled: dict[tuple, float] = defaultdict(float)
    assigned: dict[tuple, float] = defaultdict(float)
    for day, length, holder in _shifts(session, first, last):
        month = month_of(day)
        assigned[(holder, month)] += length
        shares = eligibility.weights(day)
        total = sum(shares.values())
        for org_id, weight in shares.items():
            entitled[(org_id, month)] += length * weight / total
    keys = set(committed) | set(entitled) | set(assigned)
    ids = {org_id for org_id, _month in keys}
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    rows = [
        MonthRow(orgs[key[0]], key[1], committed[key], entitled[key], assigned[key]) for key in keys
    ]
    rows.sort(key=lambda row: (row.month, row.organisation.name.casefold()))
    per_month: dict[tuple[int, int], float] = defaultdict(float)
    for (_org, month), hours in committed.items():
        per_month[month] += hours
    demand = [
        MonthDemand(month, hours, per_month[month])
        for month, hours in sorted(weights.demand.items())
    ]
    return demand, rows
